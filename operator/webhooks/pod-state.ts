// The quiesce state the operator records on a pod, as the deletion gate reads it; and the break-glass annotation.
import { isDrainFinished, isRemovalInProgress } from "../api/drain-phases.ts";
import type { DrainPhase } from "../api/pod-annotations.ts";
import type { PodView } from "../api/pod-view.ts";

/**
 * Break-glass: a non-blank `quiesce.dev/break-glass: "<reason>"` annotation on the pod lets the next DELETE or
 * eviction through at once. Chosen over "gracePeriodSeconds: 0 from privileged users" because it is a separate,
 * deliberate write that the audit log attributes to whoever made it, it carries a reason, it works for evictions
 * too, and it needs no list of privileged identities. The gate reports the remover in a BreakGlassEffect so the
 * controller emits an Event naming them.
 */
export const BREAK_GLASS_ANNOTATION = "quiesce.dev/break-glass";

export type PhaseClass = "serving" | "active" | "finished" | "unquiescing";

export function classifyPhase(phase: DrainPhase): PhaseClass {
  if (isDrainFinished(phase)) return "finished";
  if (isRemovalInProgress(phase)) return "active";
  return phase === "Unquiescing" ? "unquiescing" : "serving";
}

/** The break-glass reason, when someone has set the annotation (non-blank). */
export function breakGlassReason(pod: PodView): string | undefined {
  const value = pod.metadata?.annotations?.[BREAK_GLASS_ANNOTATION]?.trim();
  return value ? value : undefined;
}
