// What a written drain step tells the metrics and the log: drains started and ended, the app's first answer to the
// quiesce, and how the settle ended (how late load balancers let go).
import type { Logger } from "pino";
import type { DrainEnding } from "../../api/drain-phases.ts";
import type { DrainState } from "../../api/pod-annotations.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { StepResult } from "./state-machine.ts";
import type { SettleEnd } from "./step-result.ts";

/** Reports one step whose writes went through; returns how it ended a drain, if it did. */
export function reportStep(
  metrics: Metrics,
  log: Logger,
  from: DrainState,
  result: StepResult,
  now: number,
): DrainEnding | undefined {
  if (result.started) metrics.drainsStarted.inc({ reason: result.state.reason ?? "unknown" });
  if (result.state.phase !== from.phase) {
    log.info({ from: from.phase, to: result.state.phase, inFlight: result.state.inFlight }, "drain phase");
    // The app's first answer to the quiesce (Draining, or Drained at once): how much work the drain waits for.
    if (from.phase === "Quiescing" && result.state.inFlight !== undefined) {
      metrics.inFlightAtStart.observe(result.state.inFlight);
    }
  }
  if (result.settled) reportSettle(metrics, log, result.settled);
  if (result.ended === undefined) return undefined;
  metrics.drainsFinished.inc({ outcome: result.ended });
  if (from.startedAt !== undefined) metrics.drainDuration.observe((now - from.startedAt) / 1000);
  return result.ended;
}

/** The settle's end: how long after leaving the endpoints, and how late traffic still came (load balancer lag). */
function reportSettle(metrics: Metrics, log: Logger, settled: SettleEnd): void {
  const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);
  const settleSeconds = seconds(settled.settleMs);
  const trafficAfterLeavingSeconds = seconds(settled.trafficAfterLeavingMs);
  if (settleSeconds !== undefined) metrics.settleDuration.observe({ ended_by: settled.by }, settleSeconds);
  if (trafficAfterLeavingSeconds !== undefined)
    metrics.trafficAfterLeaving.observe(trafficAfterLeavingSeconds);
  const ratePerSecond = settled.ratePerSecond;
  log.info({ endedBy: settled.by, settleSeconds, trafficAfterLeavingSeconds, ratePerSecond }, "settle ended");
}
