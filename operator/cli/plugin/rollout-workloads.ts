// What a rollout of a Deployment, StatefulSet or DaemonSet looks like from its object: which pods are of the new
// revision, how far the controller is, and which pod names may be its own; pure.
import type {
  V1ControllerRevision,
  V1DaemonSet,
  V1Deployment,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from "@kubernetes/client-node";

export type WorkloadKind = "deployment" | "statefulset" | "daemonset";

export interface WorkloadState {
  kind: WorkloadKind;
  name: string;
  /** Whether a pod is of the revision being rolled out; undefined until the controller has caught up. */
  isCurrent?: (pod: V1Pod) => boolean;
  desired: number;
  updated: number;
  available: number;
  /** The controller reports every replica updated and available. */
  finished: boolean;
  /** A pod name this workload may have had (for drain Events of pods already gone). */
  owns(podName: string): boolean;
}

const REVISION = "deployment.kubernetes.io/revision";
const TEMPLATE_HASH = "pod-template-hash";
const REVISION_HASH = "controller-revision-hash";

const caughtUp = (o: { metadata?: { generation?: number }; status?: { observedGeneration?: number } }) =>
  (o.status?.observedGeneration ?? 0) >= (o.metadata?.generation ?? 0);

/** The objects one of whose owners is `uid`. */
export function ownedBy<T extends { metadata?: { ownerReferences?: { uid: string }[] } }>(
  uid: string | undefined,
  objects: readonly T[],
): T[] {
  return objects.filter((o) => o.metadata?.ownerReferences?.some((r) => r.uid === uid));
}

/** The pod-template-hash of the Deployment's current ReplicaSet, once the controller has caught up. */
export function currentTemplateHash(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): string | undefined {
  if (!caughtUp(deployment)) return undefined;
  const revision = deployment.metadata?.annotations?.[REVISION];
  if (revision === undefined) return undefined;
  const current = ownedBy(deployment.metadata?.uid, replicaSets).find(
    (rs) => rs.metadata?.annotations?.[REVISION] === revision,
  );
  return current?.metadata?.labels?.[TEMPLATE_HASH];
}

export function deploymentState(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): WorkloadState {
  const hash = currentTemplateHash(deployment, replicaSets);
  const desired = deployment.spec?.replicas ?? 1;
  const st = deployment.status;
  const prefixes = ownedBy(deployment.metadata?.uid, replicaSets).map((rs) => `${rs.metadata?.name}-`);
  return {
    kind: "deployment",
    name: deployment.metadata?.name ?? "",
    ...(hash === undefined ? {} : { isCurrent: (p: V1Pod) => p.metadata?.labels?.[TEMPLATE_HASH] === hash }),
    desired,
    updated: st?.updatedReplicas ?? 0,
    available: st?.availableReplicas ?? 0,
    finished:
      hash !== undefined &&
      (st?.updatedReplicas ?? 0) === desired &&
      (st?.replicas ?? 0) === desired &&
      (st?.availableReplicas ?? 0) === desired,
    owns: (name) => prefixes.some((p) => name.startsWith(p)),
  };
}

/** A StatefulSet's pods are NAME-0..N-1; the new ones carry its updateRevision. */
export function statefulSetState(sts: V1StatefulSet): WorkloadState {
  const name = sts.metadata?.name ?? "";
  const desired = sts.spec?.replicas ?? 1;
  const st = sts.status;
  const update = caughtUp(sts) ? st?.updateRevision : undefined;
  const ordinal = new RegExp(`^${name.replace(/[.]/g, "\\.")}-\\d+$`);
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  return {
    kind: "statefulset",
    name,
    ...(update === undefined
      ? {}
      : { isCurrent: (p: V1Pod) => p.metadata?.labels?.[REVISION_HASH] === update }),
    desired,
    updated: st?.updatedReplicas ?? 0,
    available: st?.availableReplicas ?? st?.readyReplicas ?? 0,
    // With a partition, pods below it keep the old revision on purpose: done once those above it are updated.
    finished:
      update !== undefined &&
      (st?.updatedReplicas ?? 0) >= Math.max(0, desired - partition) &&
      (st?.readyReplicas ?? 0) === desired &&
      (partition > 0 || st?.currentRevision === update),
    owns: (pod) => ordinal.test(pod),
  };
}

/** The DaemonSet's newest ControllerRevision: its pods' hash says which are new. */
export function newestRevision(
  ds: V1DaemonSet,
  revisions: readonly V1ControllerRevision[],
): V1ControllerRevision | undefined {
  return ownedBy(ds.metadata?.uid, revisions).sort((a, b) => b.revision - a.revision)[0];
}

/** A DaemonSet's new pods carry the hash of its newest ControllerRevision. */
export function daemonSetState(ds: V1DaemonSet, revisions: readonly V1ControllerRevision[]): WorkloadState {
  const name = ds.metadata?.name ?? "";
  const st = ds.status;
  const newest = newestRevision(ds, revisions);
  const hash = caughtUp(ds) ? newest?.metadata?.labels?.[REVISION_HASH] : undefined;
  const desired = st?.desiredNumberScheduled ?? 0;
  return {
    kind: "daemonset",
    name,
    ...(hash === undefined ? {} : { isCurrent: (p: V1Pod) => p.metadata?.labels?.[REVISION_HASH] === hash }),
    desired,
    updated: st?.updatedNumberScheduled ?? 0,
    available: st?.numberAvailable ?? 0,
    finished:
      hash !== undefined &&
      (st?.updatedNumberScheduled ?? 0) === desired &&
      (st?.numberAvailable ?? 0) === desired,
    owns: (pod) => pod.startsWith(`${name}-`),
  };
}
