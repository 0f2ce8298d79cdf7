// Gathers the budget inputs for one pod from the other pods of its workload.
import type { V1Pod } from "@kubernetes/client-node";
import type { DrainState } from "../../api/pod-annotations.ts";
import { conditionTrue, drainStateOf, isQuiescingNow, isServing, isTerminating } from "../../api/pod-view.ts";
import type { Budget } from "../../api/quiesce-policy.ts";
import { type BudgetDecision, decideBudget } from "../budget/budget.ts";
import { controllerOf, type Lookups, ownershipOf, workloadKey } from "./workload.ts";

/**
 * How many pods the pod's workload still wants, when known: 0 for a bare pod, for a workload being deleted or
 * already gone (garbage collection), else the Deployment's, ReplicaSet's or StatefulSet's replicas, or the number
 * of nodes a DaemonSet should run on. Undefined for owners the operator does not look up (Job, custom kinds...).
 */
export function desiredReplicas(pod: V1Pod, lookups: Lookups): number | undefined {
  const namespace = pod.metadata?.namespace ?? "";
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner === undefined) return 0;
  if (owner.kind === "StatefulSet" && lookups.statefulSet) {
    const sts = lookups.statefulSet(namespace, owner.name);
    return sts === undefined || sts.metadata?.deletionTimestamp ? 0 : (sts.spec?.replicas ?? 1);
  }
  if (owner.kind === "DaemonSet" && lookups.daemonSet) {
    const ds = lookups.daemonSet(namespace, owner.name);
    return ds === undefined || ds.metadata?.deletionTimestamp ? 0 : (ds.status?.desiredNumberScheduled ?? 1);
  }
  if (owner.kind !== "ReplicaSet") return undefined;
  const rs = lookups.replicaSet(namespace, owner.name);
  if (rs === undefined || rs.metadata?.deletionTimestamp) return 0;
  const rsOwner = controllerOf(rs.metadata?.ownerReferences);
  if (rsOwner?.kind !== "Deployment") return rs.spec?.replicas ?? 1;
  const deployment = lookups.deployment(namespace, rsOwner.name);
  if (deployment === undefined || deployment.metadata?.deletionTimestamp) return 0;
  return deployment.spec?.replicas ?? 1;
}

/** Where a pod stands in its workload's queue of removals: by the time its removal was requested, then uid. */
type QueuePosition = readonly [requestedAt: number, uid: string];

const queuePosition = (state: DrainState, pod: V1Pod): QueuePosition => [
  state.requestedAt ?? Number.POSITIVE_INFINITY,
  pod.metadata?.uid ?? "",
];

const isAhead = (a: QueuePosition, b: QueuePosition): boolean =>
  a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * `other` waits for its removal behind the pod at `ahead` and still serves (Ready, not terminating, its drain not
 * started). It counts as serving for that pod's budget: else two pods whose removals were requested together,
 * each waiting for the other to serve, would both wait forever (a DaemonSet rollout's controller retries its
 * denied delete on another node's pod; `kubectl delete` of both pods of two). The first in the queue goes.
 */
function waitsBehind(other: V1Pod, ahead: QueuePosition): boolean {
  if (isTerminating(other) || !conditionTrue(other, "Ready")) return false;
  const state = drainStateOf(other);
  return state.phase === "Requested" && isAhead(ahead, queuePosition(state, other));
}

export function budgetFor(
  pod: V1Pod,
  namespacePods: readonly V1Pod[],
  budget: Budget,
  lookups: Lookups,
): BudgetDecision {
  const own = ownershipOf(pod, lookups);
  const key = workloadKey(own.workload);
  let servingOthers = 0;
  let quiescingOthers = 0;
  const position = queuePosition(drainStateOf(pod), pod);
  for (const other of namespacePods) {
    if (other.metadata?.uid === pod.metadata?.uid) continue;
    if (workloadKey(ownershipOf(other, lookups).workload) !== key) continue;
    if (isServing(other) || waitsBehind(other, position)) servingOthers++;
    else if (!isTerminating(other) && isQuiescingNow(other)) quiescingOthers++;
  }
  // minServing never asks for more serving pods than the workload wants: a scale to zero, a deleted Deployment
  // or a bare pod would otherwise wait for a replacement that never comes. A StatefulSet or DaemonSet replaces a
  // pod in place (same name, same node) only once it is gone, so at most its other pods can serve meanwhile.
  const desired = desiredReplicas(pod, lookups);
  const inPlace = own.workload.kind === "StatefulSet" || own.workload.kind === "DaemonSet";
  // A Recreate rollout creates the new ReplicaSet only once every old pod is gone (so no revision is "newer" yet):
  // its old ReplicaSet is scaled below what the Deployment wants. Its downtime is chosen, not a budget's.
  const deployment =
    own.workload.kind === "Deployment"
      ? lookups.deployment(own.workload.namespace, own.workload.name)
      : undefined;
  const recreating =
    deployment?.spec?.strategy?.type === "Recreate" &&
    (own.replicaSet?.spec?.replicas ?? 0) < (deployment.spec?.replicas ?? 1);
  const others =
    desired === undefined ? undefined : recreating ? 0 : Math.max(0, inPlace ? desired - 1 : desired);
  const minServing = others === undefined ? budget.minServing : Math.min(budget.minServing, others);
  return decideBudget({
    budget: { ...budget, minServing },
    replicas: own.workload.replicas,
    servingOthers,
    quiescingOthers,
  });
}
