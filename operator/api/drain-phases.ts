// What the drain phases mean, defined once: the state machine, the deletion gate, the budget, the policy status,
// the kubectl plugin and the demo all ask these predicates instead of listing phases of their own.
import type { DrainPhase } from "./pod-annotations.ts";

const IN_PROGRESS: ReadonlySet<DrainPhase> = new Set(["Requested", "Settling", "Quiescing", "Draining"]);
const FINISHED: ReadonlySet<DrainPhase> = new Set(["Drained", "TimedOut"]);

/**
 * The operator is working on the pod's removal: requested (waiting for the budget), settling, quiescing or
 * draining. The deletion gate denies a removal with the drain's progress; the plugin shows its deadline.
 */
export function isRemovalInProgress(phase: DrainPhase): boolean {
  return IN_PROGRESS.has(phase);
}

/** The drain has its outcome (Drained or TimedOut): what remains is the removal, which the gate lets through. */
export function isDrainFinished(phase: DrainPhase): boolean {
  return FINISHED.has(phase);
}

/**
 * The pod is out of service by the operator's doing (its readiness gate False) and takes a drain slot of the
 * budget: a removal past Requested, a finished drain whose pod is not gone yet, or an unquiesce under way.
 */
export function isOutOfService(phase: DrainPhase): boolean {
  return (IN_PROGRESS.has(phase) && phase !== "Requested") || FINISHED.has(phase) || phase === "Unquiescing";
}

/** The operator still has work to do on the pod: a removal in progress or an unquiesce. */
export function isOperatorActing(phase: DrainPhase): boolean {
  return IN_PROGRESS.has(phase) || phase === "Unquiescing";
}

/** How a drain ended, as the policy counters and `quiesce_drains_finished_total{outcome}` count it. */
export const DRAIN_ENDINGS = [
  "drained",
  "timed_out",
  "interrupted",
  "unquiesced",
  "unquiesce_failed",
] as const;
export type DrainEnding = (typeof DRAIN_ENDINGS)[number];
