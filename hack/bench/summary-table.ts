// Pure: the Markdown summary table of bench/results/latest.json's scenarios (for docs/benchmarks.md).
import type { ScenarioResult } from "./run-metrics.ts";

const n = (x: number) => x.toLocaleString("en-US");
const ms = (s: number | null | undefined) =>
  s === null || s === undefined ? "-" : `${(s * 1000).toFixed(1)} ms`;
const sec = (x: { p50: number; max: number } | null) =>
  x ? `${x.p50.toFixed(2)} s (max ${x.max.toFixed(2)})` : "-";

export function summaryTable(scenarios: readonly ScenarioResult[]): string {
  const rows: [string, (s: ScenarioResult) => string][] = [
    ["runs", (s) => String(s.runs)],
    ["requests (all runs)", (s) => n(s.requests)],
    ["failed", (s) => n(s.failed)],
    ["long requests cut", (s) => `${n(s.longFailed)} of ${n(s.longRequests)}`],
    ["fewest requests in a run", (s) => n(Math.min(...s.perRun.map((r) => r.requests)))],
    ["rollout (mean)", (s) => `${s.rolloutSeconds.toFixed(1)} s`],
    ["ideal rollout (mean)", (s) => `${s.idealRolloutSeconds.toFixed(1)} s`],
    ["rollout / ideal", (s) => `${s.idealRatio.toFixed(2)} x`],
    ["removal -> out of endpoints (p50)", (s) => sec(s.removalToOutOfEndpointsSeconds)],
    ["drained -> deleted (p50)", (s) => sec(s.drainedToDeletedSeconds)],
    [
      "webhook latency p50 / p99",
      (s) => `${ms(s.webhookLatencySeconds.p50)} / ${ms(s.webhookLatencySeconds.p99)}`,
    ],
    ["operator CPU per run", (s) => `${s.operatorCpuSecondsPerRun.toFixed(2)} s`],
    ["operator API writes per run", (s) => String(s.operatorApiWritesPerRun)],
  ];
  const header = `| | ${scenarios.map((s) => s.name).join(" | ")} |`;
  const rule = `|---|${scenarios.map(() => "---:").join("|")}|`;
  return [header, rule, ...rows.map(([label, f]) => `| ${label} | ${scenarios.map(f).join(" | ")} |`)].join(
    "\n",
  );
}
