// Pure: which phase of its life a pod is in, as the demo shows it (from the pod object alone).
import type { V1Pod } from "@kubernetes/client-node";
import { isDrainFinished } from "../../../operator/api/drain-phases.ts";
import { ANNOTATIONS, DRAIN_PHASES, type DrainPhase } from "../../../operator/api/pod-annotations.ts";

export const POD_STATES = ["starting", "serving", "quiescing", "draining", "terminating", "gone"] as const;
export type PodState = (typeof POD_STATES)[number];

function phaseOf(pod: V1Pod): DrainPhase | undefined {
  const raw = pod.metadata?.annotations?.[ANNOTATIONS.state];
  return DRAIN_PHASES.find((p) => p === raw);
}

export function podStateOf(pod: V1Pod): PodState {
  if (pod.metadata?.deletionTimestamp) return "terminating";
  const phase = phaseOf(pod);
  // "Requested" (waiting for the budget) shows as serving: such a pod still serves until its drain starts.
  if (phase === "Settling" || phase === "Quiescing") return "quiescing";
  if (phase !== undefined && (phase === "Draining" || isDrainFinished(phase))) return "draining";
  const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  return ready ? "serving" : "starting";
}

/** The operator's drain outcome was recorded (Drained or TimedOut): what remains is the delete. */
export function drainFinished(pod: V1Pod): boolean {
  const phase = phaseOf(pod);
  return phase !== undefined && isDrainFinished(phase);
}
