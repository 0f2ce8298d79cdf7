// A removal request (what the deletion gate hands the controllers) and the one Serving -> Requested transition.
import {
  type DrainState,
  type RemovalReason,
  type RemovalVia,
  SERVING,
  sanitizeDrainState,
} from "./pod-annotations.ts";

export interface GateUser {
  username?: string;
  uid?: string;
  groups?: readonly string[];
}

export interface PodRef {
  namespace: string;
  name: string;
}

/**
 * Record the removal request on the pod (phase Requested, policy, reason, removal-via, requested-at) and enqueue
 * it. Also emitted for a pod that is Unquiescing: the controller turns it back into a drain. Must be idempotent:
 * two removals racing each other both emit it.
 */
export interface StartDrainEffect {
  kind: "startDrain";
  pod: PodRef;
  /** Name of the policy (in the pod's namespace) that governs the drain. */
  policy: string;
  /** `delete` or `eviction`; the controller may refine it (rollout, scale-in) from the owning workload. */
  reason: RemovalReason;
  via: RemovalVia;
  requestedAt: Date;
  /** Who asked for the removal (the ReplicaSet controller, the garbage collector, a person...). */
  user: GateUser;
}

export interface RemovalRequest {
  now: number;
  policy: string;
  reason: RemovalReason;
  via: RemovalVia;
}

/** No removal is under way: serving, or a reversed drain (Unquiescing) that a new removal starts over. */
export function canRequestRemoval(current: DrainState): boolean {
  const { phase } = sanitizeDrainState(current);
  return phase === "Serving" || phase === "Unquiescing";
}

/**
 * The Requested state for a removal of a pod in `current`, or undefined when a removal is already under way (the
 * request is idempotent). A reversed drain (Unquiescing) starts over: nothing of it carries into the new one.
 */
export function requestRemoval(current: DrainState, request: RemovalRequest): DrainState | undefined {
  if (!canRequestRemoval(current)) return undefined;
  return sanitizeDrainState({
    phase: "Requested",
    policy: request.policy,
    reason: request.reason,
    via: request.via,
    requestedAt: request.now,
  });
}

/** A drain given up without removing the pod (its policy was deleted): it serves again, and says why. */
export const INTERRUPTED_SERVING: DrainState = { ...SERVING, outcome: "Interrupted" };
