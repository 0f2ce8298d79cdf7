// Trims the objects the informers cache to the fields the operator reads: with thousands of pods the cache is
// most of the heap, and a pod's full spec, managed fields and last-applied copy are most of each pod.
import type {
  KubernetesObject,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { MAINTENANCE_ANNOTATION } from "../api/maintenance.ts";

/** Drops what the operator never reads (managed fields, most of the spec) to keep memory flat with many pods. */
export function trimPod(pod: V1Pod): V1Pod {
  const metadata = lightMeta(pod);
  const spec = pod.spec;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata,
    spec: spec && {
      nodeName: spec.nodeName,
      readinessGates: spec.readinessGates,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      containers: spec.containers.map((c) => ({ name: c.name, ports: c.ports, lifecycle: c.lifecycle })),
    },
    status: pod.status && {
      phase: pod.status.phase,
      podIP: pod.status.podIP,
      conditions: pod.status.conditions,
    },
  };
}

/** Keeps, per endpoint, only which pod it is and its conditions (addresses, hints and ports are never read). */
export function trimEndpointSlice(slice: V1EndpointSlice): V1EndpointSlice {
  const { managedFields: _m, annotations: _a, ...metadata } = slice.metadata ?? {};
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata,
    addressType: slice.addressType,
    endpoints: (slice.endpoints ?? []).map((e) => ({
      addresses: [],
      conditions: e.conditions,
      targetRef: e.targetRef && { kind: e.targetRef.kind, name: e.targetRef.name, uid: e.targetRef.uid },
    })),
  };
}

/** A workload's identity, deletion and generation, and of its annotations only maintenance mode's. */
function workloadMeta(o: KubernetesObject): V1ObjectMeta {
  const { name, namespace, uid, resourceVersion, deletionTimestamp, generation } = o.metadata ?? {};
  const value = o.metadata?.annotations?.[MAINTENANCE_ANNOTATION];
  const annotations = value === undefined ? {} : { annotations: { [MAINTENANCE_ANNOTATION]: value } };
  return { name, namespace, uid, resourceVersion, deletionTimestamp, generation, ...annotations };
}

/** A StatefulSet as the budget, the reversal check and maintenance mode read it: size, deletion, revision, annotation. */
export function trimStatefulSet(sts: V1StatefulSet): V1StatefulSet {
  return {
    metadata: workloadMeta(sts),
    spec: sts.spec && {
      replicas: sts.spec.replicas,
      selector: sts.spec.selector,
      serviceName: sts.spec.serviceName,
      template: { metadata: {} },
    },
    status: sts.status && {
      replicas: sts.status.replicas,
      updateRevision: sts.status.updateRevision,
      currentRevision: sts.status.currentRevision,
    },
  };
}

/** A DaemonSet as the budget and maintenance mode read it: how many nodes should run it, deletion, annotation. */
export function trimDaemonSet(ds: V1DaemonSet): V1DaemonSet {
  return {
    metadata: workloadMeta(ds),
    status: ds.status && {
      currentNumberScheduled: ds.status.currentNumberScheduled,
      desiredNumberScheduled: ds.status.desiredNumberScheduled,
      numberMisscheduled: ds.status.numberMisscheduled,
      numberReady: ds.status.numberReady,
    },
  };
}

/** `kubectl apply` keeps a copy of the whole object in this annotation; nothing here reads it. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** Metadata without managed fields and the last-applied copy. */
function lightMeta(o: KubernetesObject): V1ObjectMeta {
  const { managedFields: _m, annotations, ...metadata } = o.metadata ?? {};
  if (annotations === undefined) return metadata;
  const { [LAST_APPLIED]: _l, ...kept } = annotations;
  return { ...metadata, annotations: kept };
}

/**
 * A Deployment as ownership, the budget, maintenance mode and the policy status read it: its size, strategy
 * type, template labels and rollout counts; the pod template's spec (most of the object) is dropped.
 */
export function trimDeployment(d: V1Deployment): V1Deployment {
  return {
    metadata: lightMeta(d),
    spec: d.spec && {
      replicas: d.spec.replicas,
      selector: d.spec.selector,
      strategy: d.spec.strategy && { type: d.spec.strategy.type },
      template: { metadata: d.spec.template.metadata && { labels: d.spec.template.metadata.labels } },
    },
    status: d.status && {
      observedGeneration: d.status.observedGeneration,
      replicas: d.status.replicas,
      updatedReplicas: d.status.updatedReplicas,
      readyReplicas: d.status.readyReplicas,
      availableReplicas: d.status.availableReplicas,
    },
  };
}

/** A ReplicaSet as ownership and the excess cap read it: its owner, revision annotation and size. */
export function trimReplicaSet(rs: V1ReplicaSet): V1ReplicaSet {
  return {
    metadata: lightMeta(rs),
    spec: rs.spec && { replicas: rs.spec.replicas, selector: rs.spec.selector },
    status: rs.status && { replicas: rs.status.replicas, readyReplicas: rs.status.readyReplicas },
  };
}
