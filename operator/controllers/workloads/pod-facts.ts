// Small readings of a pod's status: ready, containers ready, our gate, terminating, drain phase.
import type { V1Pod } from "@kubernetes/client-node";
import { isOutOfService } from "../../api/drain-phases.ts";
import {
  type DrainState,
  fromAnnotations,
  SERVING_CONDITION,
  servingGateStatus,
} from "../../api/pod-annotations.ts";

export const conditionTrue = (pod: V1Pod, type: string) =>
  pod.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

export const isTerminating = (pod: V1Pod) => pod.metadata?.deletionTimestamp != null;
export const hasServingGate = (pod: V1Pod) =>
  pod.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;
export const gateStatus = (pod: V1Pod) => servingGateStatus(pod.status?.conditions);
export const drainStateOf = (pod: V1Pod): DrainState => fromAnnotations(pod.metadata?.annotations);

/** Counts toward the budget as serving: Ready, not terminating, and no removal under way. */
export function isServing(pod: V1Pod): boolean {
  return !isTerminating(pod) && conditionTrue(pod, "Ready") && drainStateOf(pod).phase === "Serving";
}

/**
 * Counts toward maxConcurrent: a quiesce started and the pod is not gone. A pod kept after a timeout
 * (`onTimeout: Keep`) no longer takes a slot, or one stuck pod would block every later drain.
 */
export function isQuiescingNow(pod: V1Pod): boolean {
  const state = drainStateOf(pod);
  return isOutOfService(state.phase) && state.outcome !== "Kept";
}
