// Runs one bench scenario's rollouts (each way, each run) and turns an entry's runs into its result.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Lab } from "../../test/harness/environment.ts";
import {
  addRun,
  type BenchScenario,
  entryName,
  histogramStats,
  NO_OPERATOR_TOTALS,
  type OperatorScrape,
  type OperatorTotals,
} from "../../test/harness/report/bench-entries.ts";
import { histogramQuantile } from "../../test/harness/report/prometheus.ts";
import { WAYS, type Way } from "../../test/scenarios/ways.ts";
import { deleteWay, prepareWay, runRollout } from "../demo/rollout.ts";
import { aggregateScenario, type RunMetrics, runMetrics } from "./run-metrics.ts";
import { SCENARIO_SETUPS } from "./scenarios.ts";

export interface Entry {
  way: Way;
  name: string;
  replicas: number;
  runs: RunMetrics[];
  operator: OperatorTotals;
}

async function scrape(l: Lab): Promise<OperatorScrape> {
  return { text: await l.operator.metrics(), cpuSeconds: (await l.operator.usage()).cpuSeconds };
}

/** Every way of one scenario, `runs` times (way after way within a run); one entry per way. */
export async function runScenario(
  l: Lab,
  scenario: BenchScenario,
  { runs, dir, log }: { runs: number; dir: string; log: (line: string) => void },
): Promise<Entry[]> {
  const { profile, policyOf } = SCENARIO_SETUPS[scenario];
  const entries: Entry[] = WAYS.map((way) => ({
    way,
    name: entryName(way, scenario),
    replicas: profile.replicas,
    runs: [],
    operator: NO_OPERATOR_TOTALS,
  }));
  for (let run = 1; run <= runs; run++) {
    for (const entry of entries) {
      const suffix = scenario === "base" ? `-r${run}` : `-${scenario}-r${run}`;
      const ns = await prepareWay(l, entry.way, profile, suffix, policyOf);
      const before = await scrape(l);
      const result = await runRollout(l, entry.way, ns, profile);
      const after = await scrape(l);
      const file = `run-${run}-${entry.name.replaceAll("/", "-")}.json`;
      await writeFile(join(dir, file), JSON.stringify(result));
      const m = runMetrics(result, profile.maxSurge);
      entry.runs.push(m);
      entry.operator = addRun(entry.operator, before, after);
      log(
        `run ${run} ${entry.name}: ${m.requests} requests (${m.longRequests} long), ${m.failed} failed (${m.longFailed} long, ${m.refusedByApp} http-503), rollout ${m.rolloutSeconds.toFixed(1)} s, ideal ${m.idealRolloutSeconds.toFixed(1)} s`,
      );
      await deleteWay(l, ns);
    }
  }
  return entries;
}

/** The entry as written to latest.json; the operator's peak RSS is the whole bench's. */
export function entryResult(e: Entry, peakRssBytes: number) {
  return aggregateScenario(e.name, e.replicas, e.runs, {
    cpuSeconds: e.operator.cpuSeconds,
    peakRssBytes,
    webhookP50: histogramQuantile(0.5, e.operator.webhook),
    webhookP99: histogramQuantile(0.99, e.operator.webhook),
    webhookCalls: e.operator.webhook.at(-1)?.[1] ?? 0,
    apiRequests: e.operator.apiRequests,
    leaveToQuiesce: histogramStats(e.operator.settle),
    trafficAfterLeaving: histogramStats(e.operator.trafficAfterLeaving),
  });
}
