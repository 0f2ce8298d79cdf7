// The slice of a Pod every layer reads (webhooks, controllers, the plugin, the demo) and the readings of its status.

import { isOutOfService } from "./drain-phases.ts";
import { type DrainState, fromAnnotations, SERVING_CONDITION, servingGateStatus } from "./pod-annotations.ts";

/** Structural: client-node's V1Pod and the zod-parsed Pod of an AdmissionReview both satisfy it. */
export interface PodView {
  metadata?: {
    name?: string | null;
    generateName?: string | null;
    namespace?: string | null;
    uid?: string | null;
    labels?: Readonly<Record<string, string>> | null;
    annotations?: Readonly<Record<string, string>> | null;
    deletionTimestamp?: Date | string | null;
  } | null;
  spec?: {
    containers: ReadonlyArray<{ name: string; lifecycle?: { preStop?: unknown } | null }>;
    readinessGates?: ReadonlyArray<{ conditionType: string }> | null;
    terminationGracePeriodSeconds?: number | null;
  } | null;
  status?: {
    phase?: string | null;
    conditions?: ReadonlyArray<{ type: string; status: string }> | null;
  } | null;
}

export const conditionTrue = (pod: PodView, type: string): boolean =>
  pod.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;

export const isTerminating = (pod: PodView): boolean => pod.metadata?.deletionTimestamp != null;

export const isRunning = (pod: PodView): boolean => pod.status?.phase === "Running";

/** The pod carries the operator's readiness gate (added by the mutating webhook at creation). */
export const hasServingGate = (pod: PodView): boolean =>
  pod.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;

/** The gate's condition: true, false, or undefined when it has not been written. */
export const gateStatus = (pod: PodView): boolean | undefined => servingGateStatus(pod.status?.conditions);

/** The drain recorded on the pod; garbage annotations read as absent (never throws). */
export const drainStateOf = (pod: PodView): DrainState => fromAnnotations(pod.metadata?.annotations);

/** Counts toward the budget as serving: Ready, not terminating, and no removal under way. */
export function isServing(pod: PodView): boolean {
  return !isTerminating(pod) && conditionTrue(pod, "Ready") && drainStateOf(pod).phase === "Serving";
}

/**
 * Counts toward maxConcurrent: a quiesce started and the pod is not gone. A pod kept after a timeout
 * (`onTimeout: Keep`) no longer takes a slot, or one stuck pod would block every later drain.
 */
export function isQuiescingNow(pod: PodView): boolean {
  const state = drainStateOf(pod);
  return isOutOfService(state.phase) && state.outcome !== "Kept";
}
