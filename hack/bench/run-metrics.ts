// Pure: the numbers of one rollout run (loss, rollout vs ideal, endpoint and deletion latencies) and their aggregate.

import { type HistogramStats, refusedByApp } from "../../test/harness/report/bench-entries.ts";
import { idealRolloutMs, median } from "../../test/harness/report/ideal.ts";
import type { RolloutRun } from "../../test/harness/report/rollout-run.ts";
import { aggregateScaleIn, type ScaleInFigures } from "../../test/harness/report/scale-in.ts";

export interface RunMetrics {
  requests: number;
  failed: number;
  /** Failed with the app's own 503 (it was quiesced while traffic still reached it). */
  refusedByApp: number;
  longRequests: number;
  longFailed: number;
  failuresByReason: Record<string, number>;
  /** Rollout restart to the rollout complete; in a scale-in run, the replicas patch to the scale-in's end. */
  rolloutSeconds: number;
  idealRolloutSeconds: number;
  startupSeconds: number;
  /** A scale-in run's own figures (the scale-in scenario only). */
  scaleIn?: ScaleInFigures;
  /** Per old pod: removal request to leaving the ready endpoints (EndpointSlice), seconds. */
  removalToOutOfEndpoints: number[];
  /** Per old pod: drain recorded as finished to deletion (operator only), seconds. */
  drainedToDeleted: number[];
  /** Per old pod: leaving the endpoints to its last request's end, seconds (the real drain). */
  drains: number[];
  /** Per old pod: leaving the endpoints to the quiesce (its drain state seen past Settling), seconds. */
  leaveToQuiesce: number[];
}

export function runMetrics(run: RolloutRun, perWave: number): RunMetrics {
  const old = run.pods.filter((p) => p.old && p.removalAt !== undefined);
  const fresh = run.pods.filter((p) => !p.old && p.readyAt !== undefined);
  const startupMs = median(fresh.map((p) => (p.readyAt ?? p.createdAt) - p.createdAt));
  // A pod's drain begins when it leaves the ready endpoints (a removal request may wait for the budget first).
  const drains = old.map((p) => {
    const start = p.outOfEndpointsAt ?? p.removalAt ?? 0;
    return { removalAt: start, lastRequestEnd: Math.max(start, (p.ip && run.lastEndByIp[p.ip]) || 0) };
  });
  const s = (ms: number) => ms / 1000;
  return {
    requests: run.summary.sent,
    failed: run.summary.failed,
    refusedByApp: refusedByApp(run.summary.failuresByReason),
    longRequests: run.summary.byClass.long.sent,
    longFailed: run.summary.byClass.long.failed,
    failuresByReason: run.summary.failuresByReason,
    rolloutSeconds: s(run.finishedAt - run.startedAt),
    idealRolloutSeconds: s(idealRolloutMs(drains, startupMs, perWave)),
    startupSeconds: s(startupMs),
    removalToOutOfEndpoints: old
      .filter((p) => p.outOfEndpointsAt !== undefined)
      .map((p) => s((p.outOfEndpointsAt ?? 0) - (p.removalAt ?? 0))),
    drainedToDeleted: old
      .filter((p) => p.drainedAt !== undefined && p.deletedAt !== undefined)
      .map((p) => s((p.deletedAt ?? 0) - (p.drainedAt ?? 0))),
    drains: drains.map((d) => s(d.lastRequestEnd - d.removalAt)),
    leaveToQuiesce: old.flatMap((p) => {
      const quiesced = p.segments.find((seg) => seg.state === "draining")?.from;
      return quiesced !== undefined && p.outOfEndpointsAt !== undefined
        ? [s(quiesced - p.outOfEndpointsAt)]
        : [];
    }),
  };
}

export interface OperatorSample {
  cpuSeconds: number;
  peakRssBytes: number;
  webhookP50?: number | undefined;
  webhookP99?: number | undefined;
  webhookCalls: number;
  apiRequests: number;
  /** `quiesce_deletion_cost_writes_total` (scaleIn.preferIdle). */
  deletionCostWrites: number;
  /** `quiesce_settle_duration_seconds`: leaving the endpoints to the quiesce request. */
  leaveToQuiesce: HistogramStats | null;
  /** `quiesce_traffic_after_leaving_seconds`: how long requests still arrived after leaving them. */
  trafficAfterLeaving: HistogramStats | null;
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : sum(xs) / xs.length);
const spread = (xs: readonly number[]) =>
  xs.length === 0 ? null : { p50: round(median(xs)), max: round(Math.max(...xs)), n: xs.length };

export function aggregateScenario(
  name: string,
  replicas: number,
  runs: readonly RunMetrics[],
  operator: OperatorSample,
) {
  const ratios = runs.map((r) => (r.idealRolloutSeconds > 0 ? r.rolloutSeconds / r.idealRolloutSeconds : 0));
  const reasons: Record<string, number> = {};
  for (const r of runs)
    for (const [k, v] of Object.entries(r.failuresByReason)) reasons[k] = (reasons[k] ?? 0) + v;
  const drainedToDeleted = runs.flatMap((r) => r.drainedToDeleted);
  const isOperator = name.startsWith("operator");
  const scaleIns = runs.flatMap((r) => (r.scaleIn ? [r.scaleIn] : []));
  return {
    name,
    replicas,
    runs: runs.length,
    requests: sum(runs.map((r) => r.requests)),
    failed: sum(runs.map((r) => r.failed)),
    refusedByApp: sum(runs.map((r) => r.refusedByApp)),
    longRequests: sum(runs.map((r) => r.longRequests)),
    longFailed: sum(runs.map((r) => r.longFailed)),
    /**
     * Rollout restart to the rollout complete. In the scale-in scenario: seconds from the replicas patch until the
     * Deployment has its new count of Ready pods and no pod left terminating (the same as scaleInSeconds).
     */
    rolloutSeconds: round(mean(runs.map((r) => r.rolloutSeconds)), 1),
    idealRolloutSeconds: round(mean(runs.map((r) => r.idealRolloutSeconds)), 1),
    idealRatio: round(mean(ratios), 2),
    // scaleInSeconds (as rolloutSeconds), removedPodsInFlight and removedPodsLongInFlight ({ sum, counts }).
    ...(scaleIns.length > 0
      ? {
          ...aggregateScaleIn(scaleIns),
          deletionCostWritesPerRun: round(operator.deletionCostWrites / Math.max(1, runs.length), 1),
        }
      : {}),
    perRun: runs.map((r, i) => ({
      requests: r.requests,
      failed: r.failed,
      refusedByApp: r.refusedByApp,
      longRequests: r.longRequests,
      longFailed: r.longFailed,
      rolloutSeconds: round(r.rolloutSeconds, 1),
      idealRolloutSeconds: round(r.idealRolloutSeconds, 1),
      idealRatio: round(ratios[i] ?? 0, 2),
      startupSeconds: round(r.startupSeconds, 2),
      longestDrainSeconds: round(Math.max(0, ...r.drains), 1),
      ...(r.scaleIn
        ? {
            scaleInSeconds: round(r.scaleIn.scaleInSeconds, 1),
            removedPodsInFlight: r.scaleIn.removedPodsInFlight,
            removedPodsLongInFlight: r.scaleIn.removedPodsLongInFlight,
            podsWithCostAtScale: r.scaleIn.podsWithCostAtScale,
          }
        : {}),
    })),
    failuresByReason: reasons,
    removalToOutOfEndpointsSeconds: spread(runs.flatMap((r) => r.removalToOutOfEndpoints)),
    drainedToDeletedSeconds: isOperator ? spread(drainedToDeleted) : null,
    leaveToQuiesceSeconds: isOperator ? operator.leaveToQuiesce : null,
    /** The same from the pods' timelines as the bench saw them (the histogram's buckets are coarser). */
    leaveToQuiesceObservedSeconds: isOperator ? spread(runs.flatMap((r) => r.leaveToQuiesce)) : null,
    trafficAfterLeavingSeconds: isOperator ? operator.trafficAfterLeaving : null,
    webhookLatencySeconds: {
      p50: operator.webhookP50 === undefined ? null : round(operator.webhookP50, 4),
      p99: operator.webhookP99 === undefined ? null : round(operator.webhookP99, 4),
      calls: operator.webhookCalls,
    },
    operatorCpuSecondsPerRun: round(operator.cpuSeconds / Math.max(1, runs.length), 2),
    operatorPeakRssMB: round(operator.peakRssBytes / 2 ** 20, 1),
    operatorApiWritesPerRun: round(operator.apiRequests / Math.max(1, runs.length), 1),
  };
}
export type ScenarioResult = ReturnType<typeof aggregateScenario>;
