// Pure: which phase of its life a pod is in, as the demo shows it (from the pod object alone).
import type { V1Pod } from "@kubernetes/client-node";
import { ANNOTATIONS } from "../../operator/api/pod-annotations.ts";

export const POD_STATES = ["starting", "serving", "quiescing", "draining", "terminating", "gone"] as const;
export type PodState = (typeof POD_STATES)[number];

// "Requested" (waiting for the budget) is not here: such a pod still serves until its drain starts.
const QUIESCING = new Set(["Settling", "Quiescing"]);
const DRAINING = new Set(["Draining", "Drained", "TimedOut"]);

export function podStateOf(pod: V1Pod): PodState {
  if (pod.metadata?.deletionTimestamp) return "terminating";
  const phase = pod.metadata?.annotations?.[ANNOTATIONS.state];
  if (phase !== undefined && QUIESCING.has(phase)) return "quiescing";
  if (phase !== undefined && DRAINING.has(phase)) return "draining";
  const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  return ready ? "serving" : "starting";
}

/** The operator's drain outcome was recorded (Drained or TimedOut): what remains is the delete. */
export function drainFinished(pod: V1Pod): boolean {
  const phase = pod.metadata?.annotations?.[ANNOTATIONS.state];
  return phase === "Drained" || phase === "TimedOut";
}
