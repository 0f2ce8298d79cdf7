// Scale-in takes the idle pod first: the cost bucket of a pod's in-flight work, what to do with a pod, what to write.
import { isServing, type PodView } from "../../api/pod-view.ts";
import { governingPolicy } from "../../api/policy-match.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { DELETION_COST_ANNOTATION, REQUESTED_DELETION_COST } from "../drain/removal-requests.ts";

/** The bucket the operator last wrote as the pod's cost: its mark that the cost is its own to change and remove. */
export const COST_BUCKET_ANNOTATION = "quiesce.dev/deletion-cost-bucket";

/** A merge-patch fragment of annotations (null removes one). */
export type CostPatch = Record<string, string | null>;

export type ScaleInAction =
  /** Poll the pod's in-flight work every `intervalMs` and keep its cost in step. */
  | { kind: "poll"; policy: QuiescePolicy; intervalMs: number }
  /** Remove what the operator wrote: no policy asks for it any more. */
  | { kind: "clear"; patch: CostPatch }
  /** Leave the pod alone (draining, not Ready, a cost of someone else's, or nothing of ours on it). */
  | { kind: "none" };

type Annotations = Readonly<Record<string, string>> | null | undefined;

/** 0 when idle, else floor(log2(inFlight)) + 1 (the bit length): the cost moves only when the work doubles or halves. */
export function costBucket(inFlight: number): number {
  if (!Number.isFinite(inFlight) || inFlight < 1) return 0;
  return Math.floor(inFlight).toString(2).length;
}

/** The policy asks for it and can: preferIdle, with an endpoint to read the in-flight work from. */
export function prefersIdle(policy: QuiescePolicy): boolean {
  return policy.spec.scaleIn.preferIdle && policy.spec.endpoint !== undefined;
}

/**
 * The cost is the operator's to set: none yet, one it marked as its own, or the drain's "remove me first" left on a
 * pod that serves again (an undone rollout). A cost someone else set stays as they set it.
 */
export function ownsCost(annotations: Annotations): boolean {
  const cost = annotations?.[DELETION_COST_ANNOTATION];
  return (
    cost === undefined ||
    annotations?.[COST_BUCKET_ANNOTATION] !== undefined ||
    cost === REQUESTED_DELETION_COST
  );
}

/** What the scale-in controller does with a pod, given its namespace's policies. */
export function scaleInAction(pod: PodView, policies: readonly QuiescePolicy[]): ScaleInAction {
  const policy = governingPolicy(pod, policies);
  if (policy !== undefined && prefersIdle(policy)) {
    // A pod under removal keeps the drain's cost; one not Ready is ranked before any cost anyway.
    if (!isServing(pod) || !ownsCost(pod.metadata?.annotations)) return { kind: "none" };
    return { kind: "poll", policy, intervalMs: policy.spec.scaleIn.pollIntervalSeconds * 1000 };
  }
  const patch = clearPatch(pod.metadata?.annotations);
  return patch === undefined ? { kind: "none" } : { kind: "clear", patch };
}

/** The cost and its mark for a bucket, or undefined when the pod already carries both: a write only on a change. */
export function costPatch(annotations: Annotations, bucket: number): CostPatch | undefined {
  const value = String(bucket);
  if (annotations?.[DELETION_COST_ANNOTATION] === value && annotations?.[COST_BUCKET_ANNOTATION] === value) {
    return undefined;
  }
  return { [DELETION_COST_ANNOTATION]: value, [COST_BUCKET_ANNOTATION]: value };
}

/**
 * Removes the mark, and the cost only while it is still the one the operator wrote (a drain since then set its own),
 * or undefined for a pod without the mark: the operator never touches a cost it did not write.
 */
export function clearPatch(annotations: Annotations): CostPatch | undefined {
  const mark = annotations?.[COST_BUCKET_ANNOTATION];
  if (mark === undefined) return undefined;
  const ours = annotations?.[DELETION_COST_ANNOTATION] === mark;
  return { [COST_BUCKET_ANNOTATION]: null, ...(ours ? { [DELETION_COST_ANNOTATION]: null } : {}) };
}
