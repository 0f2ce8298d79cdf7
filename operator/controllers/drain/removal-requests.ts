// Records a removal the deletion gate denied: refines its reason, caps ReplicaSet scale-downs, annotates, enqueues.

import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { type ObjectKey, objectKey } from "../../api/object-key.ts";
import { DELETION_COST_ANNOTATION, type RemovalReason, toAnnotations } from "../../api/pod-annotations.ts";
import { drainStateOf, isTerminating } from "../../api/pod-view.ts";
import { canRequestRemoval, requestRemoval, type StartDrainEffect } from "../../api/removal-request.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import type { PodWriter } from "../../kube/pods.ts";
import { WriteOverlay } from "../../kube/write-overlay.ts";
import { backoffDelay } from "../../runtime/backoff.ts";
import { type Clock, systemClock, type Timer } from "../../runtime/clock.ts";
import { controllerOf, type Lookups, ownershipOf } from "../workloads/workload.ts";

export { DELETION_COST_ANNOTATION };
export const REPLICASET_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller";
const STATEFULSET_CONTROLLER = "system:serviceaccount:kube-system:statefulset-controller";
const DAEMONSET_CONTROLLER = "system:serviceaccount:kube-system:daemonset-controller";

/** Makes the ReplicaSet controller pick this pod again on its next try, instead of another serving one. */
export const REQUESTED_DELETION_COST = "-1000000";

export interface RemovalRequestDeps {
  /** Only the pod list is read (a ClusterCache, or an in-memory store in tests). */
  cache: { pods: Pick<ClusterCache["pods"], "list"> };
  lookups: Lookups;
  pods: PodWriter;
  enqueue: (key: ObjectKey) => void;
  getPod: (namespace: string, name: string) => Promise<V1Pod | undefined>;
  logger: Logger;
}

/**
 * How many more live pods a ReplicaSet has than it wants: positive while it is scaling down (a rollout moving
 * past it, or a scale-in). 0 for pods without a ReplicaSet or one the cache does not hold.
 */
export function replicaSetExcess(pod: V1Pod, namespacePods: readonly V1Pod[], lookups: Lookups): number {
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner?.kind !== "ReplicaSet") return 0;
  const desired = lookups.replicaSet(pod.metadata?.namespace ?? "", owner.name)?.spec?.replicas;
  if (desired === undefined) return 0;
  const live = namespacePods.filter(
    (p) => controllerOf(p.metadata?.ownerReferences)?.uid === owner.uid && !isTerminating(p),
  );
  return Math.max(0, live.length - desired);
}

/**
 * Whether the ReplicaSet controller asked: its own identity, or, on control planes whose controller manager runs
 * every controller under one identity (no per-controller service accounts), a delete of a pod whose ReplicaSet is
 * scaling down.
 */
export function isReplicaSetScaleDown(
  effect: StartDrainEffect,
  pod: V1Pod,
  namespacePods: readonly V1Pod[],
  lookups: Lookups,
): boolean {
  if (effect.reason !== "delete") return false;
  if (effect.user.username === REPLICASET_CONTROLLER) return true;
  return replicaSetExcess(pod, namespacePods, lookups) > 0;
}

/**
 * rollout when the ReplicaSet or StatefulSet controller removes an old revision's pod, scale-in for the current
 * revision; rollout when the DaemonSet controller removes one (it replaces its pods node by node).
 */
export function refineReason(
  effect: StartDrainEffect,
  pod: V1Pod,
  lookups: Lookups,
  namespacePods: readonly V1Pod[] = [],
): RemovalReason {
  if (effect.reason === "delete" && effect.user.username === STATEFULSET_CONTROLLER) {
    return ownershipOf(pod, lookups).revisionIsCurrent === false ? "rollout" : "scale-in";
  }
  if (effect.reason === "delete" && effect.user.username === DAEMONSET_CONTROLLER) return "rollout";
  if (!isReplicaSetScaleDown(effect, pod, namespacePods, lookups)) return effect.reason;
  return ownershipOf(pod, lookups).revisionIsCurrent === false ? "rollout" : "scale-in";
}

/**
 * A ReplicaSet scaled down by N retries its deletes and may pick other pods meanwhile; marking more than its
 * excess would remove pods nobody asked to remove. Returns true when this pod may be marked.
 */
export function withinReplicaSetExcess(
  pod: V1Pod,
  namespacePods: readonly V1Pod[],
  lookups: Lookups,
): boolean {
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner?.kind !== "ReplicaSet") return true;
  const rs = lookups.replicaSet(pod.metadata?.namespace ?? "", owner.name);
  const desired = rs?.spec?.replicas;
  if (desired === undefined) return true;
  const siblings = namespacePods.filter(
    (p) => controllerOf(p.metadata?.ownerReferences)?.uid === owner.uid && !isTerminating(p),
  );
  const marked = siblings.filter(
    (p) => p.metadata?.uid !== pod.metadata?.uid && drainStateOf(p).phase !== "Serving",
  );
  return marked.length < siblings.length - desired;
}

export function removalRecorder(deps: RemovalRequestDeps) {
  // Two removals racing each other must not both pass the ReplicaSet excess cap. The check and the reservation
  // run in one synchronous step, against the cache overlaid with our latest writes and with the marks still being
  // written: records run in parallel (a burst of hundreds is as slow as one), and no await splits a check from
  // its reservation.
  const written = new WriteOverlay<V1Pod>();
  const pending = new Map<string, V1Pod>();
  const view = (pods: readonly V1Pod[]) =>
    written.overlay(pods).map((p) => pending.get(p.metadata?.uid ?? "") ?? p);
  return (effect: StartDrainEffect): Promise<void> => record(effect, deps, view, written, pending);
}

async function record(
  effect: StartDrainEffect,
  deps: RemovalRequestDeps,
  view: (pods: readonly V1Pod[]) => V1Pod[],
  written: WriteOverlay<V1Pod>,
  pending: Map<string, V1Pod>,
): Promise<void> {
  const { namespace, name } = effect.pod;
  const pod = await deps.getPod(namespace, name);
  if (pod === undefined) return;
  const uid = pod.metadata?.uid ?? "";
  // Another record of this pod is being written (a retried delete): it decides.
  if (pending.has(uid)) return;
  const current = drainStateOf(pod);
  if (!canRequestRemoval(current)) {
    deps.enqueue(objectKey(namespace, name));
    return;
  }
  const namespacePods = view(deps.cache.pods.list(namespace));
  const reason = refineReason(effect, pod, deps.lookups, namespacePods);
  const scaleDown = isReplicaSetScaleDown(effect, pod, namespacePods, deps.lookups);
  if (scaleDown && !withinReplicaSetExcess(pod, namespacePods, deps.lookups)) {
    deps.logger.info(
      { controller: "drain", namespace, pod: name },
      "ReplicaSet already removing enough pods; not marking",
    );
    return;
  }
  const next = requestRemoval(current, {
    now: effect.requestedAt.getTime(),
    policy: effect.policy,
    reason,
    via: effect.via,
  });
  if (next === undefined) return;
  const annotations = { ...toAnnotations(next), [DELETION_COST_ANNOTATION]: REQUESTED_DELETION_COST };
  // The reservation: until the write returns, the cap counts this pod as marked.
  pending.set(uid, {
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } },
  });
  try {
    const result = await deps.pods.annotate(namespace, name, uid, annotations);
    if (result === undefined) throw new Error(`pod ${namespace}/${name} changed while recording its removal`);
    written.remember(result);
  } finally {
    pending.delete(uid);
  }
  deps.logger.info(
    { controller: "drain", namespace, pod: name, reason, via: effect.via, user: effect.user.username },
    "removal requested",
  );
  deps.enqueue(objectKey(namespace, name));
}

/** Retries of a removal record that failed: 400 ms, 800 ms, ... at most 5 s (the deleter retries too). */
const RECORD_RETRY = { baseMs: 200, maxMs: 5_000 };

/**
 * Runs removal records off the admission path: the webhook waits at most `answerWithinMs` for the record (the
 * operator's --removal-record-wait-ms; on a healthy API server the pod is marked before the deleter hears
 * "denied"), and a record that takes longer, because the API server is overloaded, finishes in the background
 * with retries instead of timing out the webhook, which with failurePolicy Ignore would let the removal through
 * undrained. One record per pod at a time.
 */
export function backgroundRecorder(
  recordRemoval: (effect: StartDrainEffect) => Promise<void>,
  logger: Logger,
  options: { answerWithinMs?: number; attempts?: number; clock?: Clock } = {},
) {
  const clock = options.clock ?? systemClock;
  const running = new Map<string, Promise<void>>();
  const attempts = options.attempts ?? 6;
  const attempt = async (effect: StartDrainEffect) => {
    for (let i = 1; ; i++) {
      try {
        await recordRemoval(effect);
        return;
      } catch (error) {
        const { namespace, name } = effect.pod;
        if (i >= attempts) {
          logger.error(
            { controller: "drain", namespace, pod: name, err: String(error) },
            "removal not recorded; the deleter's retry will ask again",
          );
          return;
        }
        await clock.sleep(backoffDelay(i, RECORD_RETRY));
      }
    }
  };
  return async (effect: StartDrainEffect): Promise<void> => {
    const key = objectKey(effect.pod.namespace, effect.pod.name);
    let job = running.get(key);
    if (job === undefined) {
      job = attempt(effect).finally(() => running.delete(key));
      running.set(key, job);
    }
    let timer: Timer | undefined;
    await Promise.race([
      job,
      new Promise<void>((r) => {
        timer = clock.setTimer(options.answerWithinMs ?? 1500, r);
      }),
    ]);
    timer?.cancel();
  };
}
