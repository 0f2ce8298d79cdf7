// Pure: the Markdown summary tables of bench/results/latest.json's entries, one per scenario (for docs/benchmarks.md).
import { entryScenario, type HistogramStats } from "../../test/harness/report/bench-entries.ts";
import { inFlightCell } from "../../test/harness/report/scale-in.ts";
import type { ScenarioResult } from "./run-metrics.ts";

const n = (x: number) => x.toLocaleString("en-US");
const ms = (s: number | null | undefined) =>
  s === null || s === undefined ? "-" : `${(s * 1000).toFixed(1)} ms`;
const sec = (x: { p50: number; max: number } | null) =>
  x ? `${x.p50.toFixed(2)} s (max ${x.max.toFixed(2)})` : "-";
const hist = (x: HistogramStats | null) =>
  x ? `${x.p50.toFixed(2)} s (p99 ${x.p99.toFixed(2)}, n ${x.n})` : "-";

type Cell = (s: ScenarioResult, group: readonly ScenarioResult[]) => string;
/** A label, its cell, and optionally when the row applies to a scenario's group (always without). */
type Row = [string, Cell, ((group: readonly ScenarioResult[]) => boolean)?];

const scaleIn = (group: readonly ScenarioResult[]) => group.some((s) => s.scaleInSeconds !== undefined);
const withPrestop = (group: readonly ScenarioResult[]) =>
  group.some((s) => s.name.startsWith("prestop-sleep"));

const ROWS: Row[] = [
  ["runs", (s) => String(s.runs)],
  ["requests (all runs)", (s) => n(s.requests)],
  ["failed", (s) => n(s.failed)],
  ["refused by the app (http-503)", (s) => n(s.refusedByApp)],
  ["long requests cut", (s) => `${n(s.longFailed)} of ${n(s.longRequests)}`],
  ["fewest requests in a run", (s) => n(Math.min(...s.perRun.map((r) => r.requests)))],
  ["rollout (mean)", (s) => `${s.rolloutSeconds.toFixed(1)} s`],
  [
    "scale-in done (mean)",
    (s) => (s.scaleInSeconds === undefined ? "-" : `${s.scaleInSeconds.toFixed(1)} s`),
    scaleIn,
  ],
  ["in flight on the removed pods at the scale", (s) => inFlightCell(s.removedPodsInFlight), scaleIn],
  ["long requests on the removed pods at the scale", (s) => inFlightCell(s.removedPodsLongInFlight), scaleIn],
  ["ideal rollout (mean)", (s) => `${s.idealRolloutSeconds.toFixed(1)} s`],
  ["rollout / ideal", (s) => `${s.idealRatio.toFixed(2)} x`],
  [
    "rollout / prestop-sleep's",
    (s, group) => {
      const p = group.find((g) => g.name.startsWith("prestop-sleep"));
      return p && p.rolloutSeconds > 0 ? `${(s.rolloutSeconds / p.rolloutSeconds).toFixed(2)} x` : "-";
    },
    withPrestop,
  ],
  ["removal -> out of endpoints (p50)", (s) => sec(s.removalToOutOfEndpointsSeconds)],
  ["leave -> quiesce (p50, histogram)", (s) => hist(s.leaveToQuiesceSeconds)],
  ["leave -> quiesce (p50, pod timelines)", (s) => sec(s.leaveToQuiesceObservedSeconds)],
  ["traffic after leaving (p50)", (s) => hist(s.trafficAfterLeavingSeconds)],
  ["drained -> deleted (p50)", (s) => sec(s.drainedToDeletedSeconds)],
  [
    "webhook latency p50 / p99",
    (s) => `${ms(s.webhookLatencySeconds.p50)} / ${ms(s.webhookLatencySeconds.p99)}`,
  ],
  ["operator CPU per run", (s) => `${s.operatorCpuSecondsPerRun.toFixed(2)} s`],
  ["operator API writes per run", (s) => String(s.operatorApiWritesPerRun)],
  ["pod-deletion-cost writes per run", (s) => String(s.deletionCostWritesPerRun ?? "-"), scaleIn],
];

function table(group: readonly ScenarioResult[]): string {
  const way = (name: string) => name.split("/")[0] ?? name;
  const header = `| | ${group.map((s) => way(s.name)).join(" | ")} |`;
  const rule = `|---|${group.map(() => "---:").join("|")}|`;
  const rows = ROWS.filter(([, , applies]) => applies?.(group) ?? true).map(
    ([label, f]) => `| ${label} | ${group.map((s) => f(s, group)).join(" | ")} |`,
  );
  return [header, rule, ...rows].join("\n");
}

/** One `### <scenario>` table per scenario, in the order the entries came, ways as columns. */
export function summaryTable(scenarios: readonly ScenarioResult[]): string {
  const groups = new Map<string, ScenarioResult[]>();
  for (const s of scenarios)
    groups.set(entryScenario(s.name), [...(groups.get(entryScenario(s.name)) ?? []), s]);
  return [...groups].map(([name, group]) => `### ${name}\n\n${table(group)}`).join("\n\n");
}
