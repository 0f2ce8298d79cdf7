// Pure: `make bench`'s scenario names, entry names (`<way>/<scenario>`) and the operator's per-entry metric deltas.
import type { Way } from "../../scenarios/ways.ts";
import { counterSum, diffBuckets, histogramBuckets, histogramQuantile } from "./prometheus.ts";

export const BENCH_SCENARIOS = ["base", "slow-lb", "low-rate", "short-drain", "scale-in"] as const;
export type BenchScenario = (typeof BENCH_SCENARIOS)[number];

/** An entry's way: one of the three (test/scenarios/ways.ts), or the operator with `scaleIn.preferIdle`. */
export type BenchWay = Way | "operator-prefer-idle";

/** The base scenario keeps the bare way names (`naive`, ...); the others are `<way>/<scenario>`. */
export function entryName(way: BenchWay, scenario: BenchScenario): string {
  return scenario === "base" ? way : `${way}/${scenario}`;
}

/** The scenario part of an entry name (`base` when there is none). */
export function entryScenario(name: string): string {
  return name.includes("/") ? name.slice(name.indexOf("/") + 1) : "base";
}

/** Failed requests the app itself refused with a 503 (quiesced while traffic still reached it). */
export function refusedByApp(failuresByReason: Readonly<Record<string, number>>): number {
  return failuresByReason["http-503"] ?? 0;
}

export type Buckets = [number, number][];

/** Cumulative buckets of two histograms added, bound by bound (a bound missing on one side counts 0). */
export function addBuckets(a: Buckets, b: Buckets): Buckets {
  const byLe = new Map<number, number>(a);
  for (const [le, n] of b) byLe.set(le, (byLe.get(le) ?? 0) + n);
  return [...byLe.entries()].sort((x, y) => x[0] - y[0]);
}

export interface HistogramStats {
  p50: number;
  p99: number;
  n: number;
}

/** p50, p99 and count of a histogram; null when it has no observations (or is not exported at all). */
export function histogramStats(buckets: Buckets): HistogramStats | null {
  const n = buckets.at(-1)?.[1] ?? 0;
  const p50 = histogramQuantile(0.5, buckets);
  const p99 = histogramQuantile(0.99, buckets);
  if (n <= 0 || p50 === undefined || p99 === undefined) return null;
  const round = (x: number) => Number(x.toFixed(3));
  return { p50: round(p50), p99: round(p99), n };
}

export const OPERATOR_METRICS = {
  webhook: "quiesce_webhook_request_duration_seconds",
  settle: "quiesce_settle_duration_seconds",
  trafficAfterLeaving: "quiesce_traffic_after_leaving_seconds",
  apiRequests: "quiesce_api_requests_total",
  deletionCostWrites: "quiesce_deletion_cost_writes_total",
} as const;

/** The operator's totals over an entry's runs. */
export interface OperatorTotals {
  cpuSeconds: number;
  apiRequests: number;
  /** Writes of the scale-in pod-deletion-cost (`scaleIn.preferIdle`), set and clear. */
  deletionCostWrites: number;
  webhook: Buckets;
  settle: Buckets;
  trafficAfterLeaving: Buckets;
}

export const NO_OPERATOR_TOTALS: OperatorTotals = {
  cpuSeconds: 0,
  apiRequests: 0,
  deletionCostWrites: 0,
  webhook: [],
  settle: [],
  trafficAfterLeaving: [],
};

/** One scrape of the operator: its /metrics text and its CPU seconds so far. */
export interface OperatorScrape {
  text: string;
  cpuSeconds: number;
}

/** Adds one run (the scrapes before and after it) to an entry's totals. */
export function addRun(acc: OperatorTotals, before: OperatorScrape, after: OperatorScrape): OperatorTotals {
  const delta = (name: string) =>
    diffBuckets(histogramBuckets(after.text, name), histogramBuckets(before.text, name));
  const counted = (name: string) => counterSum(after.text, name) - counterSum(before.text, name);
  return {
    cpuSeconds: acc.cpuSeconds + after.cpuSeconds - before.cpuSeconds,
    apiRequests: acc.apiRequests + counted(OPERATOR_METRICS.apiRequests),
    deletionCostWrites: acc.deletionCostWrites + counted(OPERATOR_METRICS.deletionCostWrites),
    webhook: addBuckets(acc.webhook, delta(OPERATOR_METRICS.webhook)),
    settle: addBuckets(acc.settle, delta(OPERATOR_METRICS.settle)),
    trafficAfterLeaving: addBuckets(acc.trafficAfterLeaving, delta(OPERATOR_METRICS.trafficAfterLeaving)),
  };
}
