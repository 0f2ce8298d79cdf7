// When a drain ends at the latest: one rule for the state machine, the deletion gate's message and the plugin's ETA.
import type { DrainState } from "./pod-annotations.ts";

/**
 * Epoch ms by which the pod is removed (or, with onTimeout: Keep, kept) whatever its work: the drain's start plus
 * timeoutSeconds, and one more timeoutSeconds once its removal is held because a Service still routed to it at
 * the first deadline (`heldAt`). `start` defaults to when the quiesce started; a view of a drain that has not
 * started yet passes when it was requested. Undefined without a start.
 */
export function removalDeadline(
  state: Pick<DrainState, "startedAt" | "heldAt">,
  timeoutSeconds: number,
  start: number | undefined = state.startedAt,
): number | undefined {
  if (start === undefined) return undefined;
  const timeoutMs = timeoutSeconds * 1000;
  return start + (state.heldAt === undefined ? timeoutMs : 2 * timeoutMs);
}
