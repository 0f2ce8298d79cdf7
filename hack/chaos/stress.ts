// The stress case, run after the production-like faults: the API server outage under a 20 s timeout (shorter than
// the outage), with its own figures, a per-drain timeline and an explanation built from what the run recorded.
import type { DrainRecord } from "./drain-watch.ts";
import { apiserverDown, type FaultContext, type FaultResult } from "./faults.ts";
import type { Outage } from "./overrun.ts";
import { createWeb, STRESS, WEB } from "./workloads.ts";

interface DrainLine {
  pod: string;
  ip?: string;
  states: string[];
  startedMs?: number;
  deadlineMs?: number;
  heldMs?: number;
  removedMs?: number;
  /** The last time an EndpointSlice listed the pod as ready, relative to the fault's start. */
  lastRoutedMs?: number;
  /** How long an EndpointSlice still listed the pod as ready after its removal. */
  routedAfterRemovalSeconds: number;
  failed: number;
}

const rel = (at: number | undefined, from: number) => (at === undefined ? undefined : at - from);
const s1 = (ms: number) => (ms / 1000).toFixed(1);

function timeline(records: readonly DrainRecord[], result: FaultResult, from: number): DrainLine[] {
  return records.map((r) => {
    const routedAfter =
      r.removedAt === undefined || r.lastRoutedAt === undefined
        ? 0
        : Math.max(0, r.lastRoutedAt - r.removedAt);
    return {
      pod: r.pod,
      ...(r.ip === undefined ? {} : { ip: r.ip }),
      states: r.states,
      startedMs: rel(r.startedAt, from),
      deadlineMs: rel(r.deadline, from),
      heldMs: rel(r.heldAt, from),
      removedMs: rel(r.removedAt, from),
      lastRoutedMs: rel(r.lastRoutedAt, from),
      routedAfterRemovalSeconds: routedAfter / 1000,
      failed: r.ip === undefined ? 0 : (result.failuresByEndpoint[r.ip]?.count ?? 0),
    };
  });
}

/** One paragraph on why this timeout lost requests (or did not), from the run's own records. */
export function explain(
  result: FaultResult,
  lines: readonly DrainLine[],
  /** Relative to the fault's start, like the timeline. */
  outages: readonly Outage[],
  downSeconds: number,
  timeoutSeconds: number,
  productionTimeoutSeconds: number,
  /** The same fault under the production-like timeout, when it ran. */
  production?: FaultResult,
): string {
  const outageText = outages.map((o) => `${s1(o.to - o.from)} s`).join(" and ");
  const withDeadline = lines.filter((l) => l.deadlineMs !== undefined);
  const beforeReturn = withDeadline.filter((l) =>
    outages.some((o) => (l.deadlineMs ?? 0) >= o.from && (l.deadlineMs ?? 0) <= o.to),
  );
  const timedOut = lines.filter((l) => l.states.includes("TimedOut"));
  const neverQuiesced = timedOut.filter(
    (l) => !l.states.includes("Quiescing") && !l.states.includes("Draining"),
  );
  const routedAfter = lines.filter((l) => l.routedAfterRemovalSeconds > 0.5);
  const maxRouted = Math.max(0, ...routedAfter.map((l) => l.routedAfterRemovalSeconds));
  const failedTo = lines.filter((l) => l.failed > 0);
  const toRoutedAfterRemoval = routedAfter.reduce((a, l) => a + l.failed, 0);
  const reasons = Object.entries(result.failuresByReason)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");
  const from503 = result.failuresByReason["http-503"] ?? 0;
  const parts = [
    `The ${timeoutSeconds} s drain timeout is shorter than the API server outage: stopped ${downSeconds} s, it was unavailable ${outageText} (the stop and the restart included).`,
    `${beforeReturn.length} of ${withDeadline.length} drain deadlines fell inside an outage; meanwhile the operator can neither read EndpointSlices nor write pods, and kube-controller-manager's EndpointSlice controller cannot update the slices either.`,
    `${timedOut.length} drain(s) timed out, ${neverQuiesced.length} of them without ever leaving Settling (the operator had not yet seen the pod out of the endpoints for its settle), so the app was never asked to quiesce and served normally${from503 === 0 ? " (no http-503)" : ` (yet ${from503} http-503)`}.`,
    result.heldRemovals.count > 0
      ? `After the restart the operator held ${result.heldRemovals.count} removal(s) while an EndpointSlice still listed the pod, by design at most one more timeout (${timeoutSeconds} s); the worst ended ${result.heldRemovals.maxSeconds.toFixed(1)} s past its deadline, outage time not counted.`
      : "The operator held no removal for the endpoints.",
    routedAfter.length > 0
      ? `${routedAfter.length} pod(s) were removed while the EndpointSlices, stale after the restart, still listed them as ready, for up to ${maxRouted.toFixed(1)} s more: the hold ran out (or never began) before the endpoint controller caught up.`
      : "No pod was still listed as ready in an EndpointSlice after its removal.",
    result.failed > 0
      ? `The ${result.failed} failed requests (${reasons}) went to ${failedTo.length} pod(s); ${toRoutedAfterRemoval} of them to pods still listed after their removal: clients following the stale slices sent work to a pod that was terminating or gone.`
      : "No request failed in this run.",
    production === undefined
      ? `The production-like ${productionTimeoutSeconds} s timeout was not run this time (faults["apiserver-down"]).`
      : `The same fault under the production-like ${productionTimeoutSeconds} s timeout (faults["apiserver-down"]): ${production.failed} of ${production.requests} requests failed, ${production.heldRemovals.count} removal(s) held (max ${production.heldRemovals.maxSeconds.toFixed(1)} s), overrun ${production.maxOverrunSeconds.toFixed(1)} s: a deadline that outlasts the outage and the endpoint controller's recovery lets the drain run its course.`,
  ];
  return parts.join(" ");
}

export interface StressSection extends FaultResult {
  timeoutSeconds: number;
  drainTimeline: DrainLine[];
  explanation: string;
}

/** Creates the stress workload, runs `rollouts` API server outages on it and returns the section for chaos.json. */
export async function runStress(
  ctx: FaultContext,
  rollouts: number,
  downMs: number,
  production?: FaultResult,
): Promise<StressSection> {
  ctx.say(`deploying the stress workload (${STRESS.namespace}, timeout ${STRESS.timeoutSeconds} s)...`);
  await createWeb(ctx.lab.apis, STRESS);
  const { result, records, outages, from } = await apiserverDown(
    ctx,
    rollouts,
    downMs,
    STRESS,
    "apiserver-down-stress",
  );
  const lines = timeline(records, result, from);
  return {
    ...result,
    timeoutSeconds: STRESS.timeoutSeconds,
    drainTimeline: lines,
    explanation: explain(
      result,
      lines,
      outages.map((o) => ({ from: o.from - from, to: o.to - from })),
      downMs / 1000,
      STRESS.timeoutSeconds,
      WEB.timeoutSeconds,
      production,
    ),
  };
}
