// Pure summary of request outcomes: totals, failures by reason, failures per second, latency percentiles.
import type { RequestClass, RequestOutcome } from "./outcome.ts";

export interface TrafficSummary {
  sent: number;
  ok: number;
  failed: number;
  failuresByReason: Record<string, number>;
  /** Failures per whole second since the first request started (only seconds with failures). */
  failuresOverTime: { second: number; count: number }[];
  byClass: Record<RequestClass, { sent: number; ok: number; failed: number }>;
  byEndpoint: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarize(outcomes: readonly RequestOutcome[]): TrafficSummary {
  const origin = outcomes.reduce((min, o) => Math.min(min, o.start), Number.POSITIVE_INFINITY);
  const failuresByReason: Record<string, number> = {};
  const perSecond = new Map<number, number>();
  const byClass: TrafficSummary["byClass"] = {
    short: { sent: 0, ok: 0, failed: 0 },
    long: { sent: 0, ok: 0, failed: 0 },
  };
  const byEndpoint: Record<string, number> = {};
  let ok = 0;
  for (const o of outcomes) {
    const cls = byClass[o.class];
    cls.sent++;
    if (o.endpoint) byEndpoint[o.endpoint] = (byEndpoint[o.endpoint] ?? 0) + 1;
    if (o.ok) {
      ok++;
      cls.ok++;
      continue;
    }
    cls.failed++;
    const reason = o.failure ?? "unknown";
    failuresByReason[reason] = (failuresByReason[reason] ?? 0) + 1;
    const second = Math.floor((o.start - origin) / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  }
  const latencies = outcomes
    .filter((o) => o.ok)
    .map((o) => o.end - o.start)
    .sort((a, b) => a - b);
  return {
    sent: outcomes.length,
    ok,
    failed: outcomes.length - ok,
    failuresByReason,
    failuresOverTime: [...perSecond.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, count]) => ({ second, count })),
    byClass,
    byEndpoint,
    latencyMs: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    },
  };
}
