// Which workload a pod belongs to (Deployment, ReplicaSet, StatefulSet, DaemonSet or itself), its size and whether
// the pod is of its current revision.
import type {
  V1DaemonSet,
  V1Deployment,
  V1OwnerReference,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { ClusterCache } from "../../kube/cache.ts";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
/** The revision label the StatefulSet and DaemonSet controllers put on their pods. */
export const REVISION_HASH_LABEL = "controller-revision-hash";

export interface Lookups {
  replicaSet(namespace: string, name: string): V1ReplicaSet | undefined;
  deployment(namespace: string, name: string): V1Deployment | undefined;
  /** Absent where no cache holds them (their pods then count like an unknown owner's). */
  statefulSet?(namespace: string, name: string): V1StatefulSet | undefined;
  daemonSet?(namespace: string, name: string): V1DaemonSet | undefined;
}

/** Owner lookups answered from the informer caches. */
export function lookupsFrom(cache: {
  replicaSets: Pick<ClusterCache["replicaSets"], "get">;
  deployments: Pick<ClusterCache["deployments"], "get">;
  statefulSets?: Pick<ClusterCache["statefulSets"], "get">;
  daemonSets?: Pick<ClusterCache["daemonSets"], "get">;
}): Lookups {
  const { statefulSets, daemonSets } = cache;
  return {
    replicaSet: (ns, name) => cache.replicaSets.get(ns, name),
    deployment: (ns, name) => cache.deployments.get(ns, name),
    ...(statefulSets ? { statefulSet: (ns: string, name: string) => statefulSets.get(ns, name) } : {}),
    ...(daemonSets ? { daemonSet: (ns: string, name: string) => daemonSets.get(ns, name) } : {}),
  };
}

export interface Workload {
  kind: "Deployment" | "ReplicaSet" | "StatefulSet" | "Pod" | string;
  namespace: string;
  name: string;
  /** Desired replicas, the base of percentage budgets. */
  replicas: number;
}

export interface PodOwnership {
  workload: Workload;
  /** The ReplicaSet that owns the pod, when one does. */
  replicaSet?: V1ReplicaSet;
  /** The pod's ReplicaSet is its Deployment's current revision (undefined when not a Deployment's pod). */
  revisionIsCurrent?: boolean;
}

export function controllerOf(refs: readonly V1OwnerReference[] | undefined): V1OwnerReference | undefined {
  return refs?.find((r) => r.controller === true);
}

export function ownershipOf(pod: V1Pod, lookups: Lookups): PodOwnership {
  const namespace = pod.metadata?.namespace ?? "";
  const owner = controllerOf(pod.metadata?.ownerReferences);
  if (owner === undefined) {
    return { workload: { kind: "Pod", namespace, name: pod.metadata?.name ?? "", replicas: 1 } };
  }
  if (owner.kind === "StatefulSet") return statefulSetOwnership(pod, owner.name, lookups);
  if (owner.kind === "DaemonSet") {
    const ds = lookups.daemonSet?.(namespace, owner.name);
    const replicas = ds?.status?.desiredNumberScheduled ?? 1;
    return { workload: { kind: "DaemonSet", namespace, name: owner.name, replicas } };
  }
  if (owner.kind !== "ReplicaSet") {
    return { workload: { kind: owner.kind, namespace, name: owner.name, replicas: 1 } };
  }
  const replicaSet = lookups.replicaSet(namespace, owner.name);
  const rsOwner = controllerOf(replicaSet?.metadata?.ownerReferences);
  const deployment = rsOwner?.kind === "Deployment" ? lookups.deployment(namespace, rsOwner.name) : undefined;
  if (deployment === undefined || rsOwner === undefined) {
    return {
      workload: {
        kind: "ReplicaSet",
        namespace,
        name: owner.name,
        replicas: replicaSet?.spec?.replicas ?? 1,
      },
      replicaSet,
    };
  }
  const current = deployment.metadata?.annotations?.[REVISION_ANNOTATION];
  const mine = replicaSet?.metadata?.annotations?.[REVISION_ANNOTATION];
  return {
    workload: { kind: "Deployment", namespace, name: rsOwner.name, replicas: deployment.spec?.replicas ?? 1 },
    replicaSet,
    revisionIsCurrent: current !== undefined && mine !== undefined ? current === mine : undefined,
  };
}

/** A StatefulSet's pod is current when it carries the set's update revision (a rollback makes old pods current). */
function statefulSetOwnership(pod: V1Pod, name: string, lookups: Lookups): PodOwnership {
  const namespace = pod.metadata?.namespace ?? "";
  const sts = lookups.statefulSet?.(namespace, name);
  const update = sts?.status?.updateRevision;
  const mine = pod.metadata?.labels?.[REVISION_HASH_LABEL];
  return {
    workload: { kind: "StatefulSet", namespace, name, replicas: sts?.spec?.replicas ?? 1 },
    revisionIsCurrent: update !== undefined && mine !== undefined ? update === mine : undefined,
  };
}

export const workloadKey = (w: Workload) => `${w.kind}/${w.namespace}/${w.name}`;
