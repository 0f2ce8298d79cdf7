// The workloads maintenance mode applies to (Deployments, StatefulSets, DaemonSets): their caches and their pods.
import type { KubernetesObject, V1Pod } from "@kubernetes/client-node";
import { isTerminating } from "../../api/pod-view.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import type { Informer } from "../../kube/informer.ts";
import { type Lookups, ownershipOf } from "./workload.ts";

export const MAINTAINED_KINDS = ["Deployment", "StatefulSet", "DaemonSet"] as const;
export type MaintainedKind = (typeof MAINTAINED_KINDS)[number];

export const isMaintainedKind = (kind: string): kind is MaintainedKind =>
  (MAINTAINED_KINDS as readonly string[]).includes(kind);

/** The cache of one maintained kind. */
export function workloadInformer(cache: ClusterCache, kind: MaintainedKind): Informer<KubernetesObject> {
  if (kind === "StatefulSet") return cache.statefulSets;
  if (kind === "DaemonSet") return cache.daemonSets;
  return cache.deployments;
}

/** A maintained workload as the owner lookups hold it (undefined where no cache holds its kind). */
export function maintainedWorkload(
  lookups: Lookups,
  kind: MaintainedKind,
  namespace: string,
  name: string,
): KubernetesObject | undefined {
  if (kind === "StatefulSet") return lookups.statefulSet?.(namespace, name);
  if (kind === "DaemonSet") return lookups.daemonSet?.(namespace, name);
  return lookups.deployment(namespace, name);
}

/** The live pods of a workload (a Deployment's through its ReplicaSets). */
export function podsOfWorkload(
  kind: MaintainedKind,
  name: string | undefined,
  pods: readonly V1Pod[],
  lookups: Lookups,
): V1Pod[] {
  return pods.filter((p) => {
    if (isTerminating(p)) return false;
    const w = ownershipOf(p, lookups).workload;
    return w.kind === kind && w.name === name;
  });
}
