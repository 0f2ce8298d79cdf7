// Runs one bench scenario's rollouts or scale-ins (each way, each run) and turns an entry's runs into its result.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULTS } from "../../operator/api/quiesce-policy.ts";
import type { Lab } from "../../test/harness/environment.ts";
import {
  addRun,
  type BenchScenario,
  type BenchWay,
  entryName,
  histogramStats,
  NO_OPERATOR_TOTALS,
  type OperatorScrape,
  type OperatorTotals,
} from "../../test/harness/report/bench-entries.ts";
import { histogramQuantile } from "../../test/harness/report/prometheus.ts";
import type { RolloutRun } from "../../test/harness/report/rollout-run.ts";
import { scaleInFigures } from "../../test/harness/report/scale-in.ts";
import { deleteWay, prepareWay, runRollout } from "../demo/rollout.ts";
import { aggregateScenario, type RunMetrics, runMetrics } from "./run-metrics.ts";
import { runScaleIn } from "./run-scale-in.ts";
import { type BenchWaySetup, SCENARIO_SETUPS } from "./scenarios.ts";

export interface Entry {
  setup: BenchWaySetup;
  name: string;
  replicas: number;
  runs: RunMetrics[];
  operator: OperatorTotals;
}

async function scrape(l: Lab): Promise<OperatorScrape> {
  return { text: await l.operator.metrics(), cpuSeconds: (await l.operator.usage()).cpuSeconds };
}

/** The run's namespace: `<way>-r<run>` for the base scenario, `<way>-<scenario>-r<run>` for the others. */
const namespaceOf = (way: BenchWay, scenario: BenchScenario, run: number) =>
  scenario === "base" ? `${way}-r${run}` : `${way}-${scenario}-r${run}`;

/** Every way of one scenario, `runs` times (way after way within a run); one entry per way. */
export async function runScenario(
  l: Lab,
  scenario: BenchScenario,
  { runs, dir, log }: { runs: number; dir: string; log: (line: string) => void },
): Promise<Entry[]> {
  const { profile, ways } = SCENARIO_SETUPS[scenario];
  const entries: Entry[] = ways.map((setup) => ({
    setup,
    name: entryName(setup.name, scenario),
    replicas: profile.replicas,
    runs: [],
    operator: NO_OPERATOR_TOTALS,
  }));
  for (let run = 1; run <= runs; run++) {
    for (const entry of entries) {
      const { way, policy } = entry.setup;
      const ns = await prepareWay(l, way, profile, {
        namespace: namespaceOf(entry.setup.name, scenario, run),
        policy,
      });
      const before = await scrape(l);
      let result: RolloutRun;
      let m: RunMetrics;
      if (profile.scaleInTo === undefined) {
        result = await runRollout(l, way, ns, profile);
        m = runMetrics(result, profile.maxSurge);
      } else {
        const costPollSeconds = policy?.scaleIn?.preferIdle
          ? (policy.scaleIn.pollIntervalSeconds ?? DEFAULTS.scaleInPollIntervalSeconds)
          : undefined;
        const scaled = await runScaleIn(l, way, ns, profile, { log, costPollSeconds });
        result = scaled;
        m = { ...runMetrics(scaled, profile.maxSurge), scaleIn: scaleInFigures(scaled) };
      }
      const after = await scrape(l);
      const file = `run-${run}-${entry.name.replaceAll("/", "-")}.json`;
      await writeFile(join(dir, file), JSON.stringify(result));
      entry.runs.push(m);
      entry.operator = addRun(entry.operator, before, after);
      const scaleIn = m.scaleIn
        ? `, scale-in ${m.scaleIn.scaleInSeconds.toFixed(1)} s, removed pods had ${JSON.stringify(m.scaleIn.removedPodsInFlight)} in flight (${JSON.stringify(m.scaleIn.removedPodsLongInFlight)} long), ${m.scaleIn.podsWithCostAtScale} pods with a cost at the scale`
        : "";
      log(
        `run ${run} ${entry.name}: ${m.requests} requests (${m.longRequests} long), ${m.failed} failed (${m.longFailed} long, ${m.refusedByApp} http-503), rollout ${m.rolloutSeconds.toFixed(1)} s, ideal ${m.idealRolloutSeconds.toFixed(1)} s${scaleIn}`,
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
    deletionCostWrites: e.operator.deletionCostWrites,
    leaveToQuiesce: histogramStats(e.operator.settle),
    trafficAfterLeaving: histogramStats(e.operator.trafficAfterLeaving),
  });
}
