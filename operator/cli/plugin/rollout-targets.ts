// The plugin's API calls per workload kind (Deployment, StatefulSet, DaemonSet): read and patch it, restart it (stamp
// its pod template), and read the state the rollout tracker follows (its revisions and pods).
import {
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1ControllerRevision,
  type V1LabelSelector,
} from "@kubernetes/client-node";
import { describeApiError, type PluginClients, selectorString } from "./kube.ts";
import {
  currentTemplateHash,
  daemonSetState,
  deploymentState,
  newestRevision,
  ownedBy,
  statefulSetState,
  type WorkloadKind,
  type WorkloadState,
} from "./rollout-workloads.ts";

const RESOURCE: Record<WorkloadKind, string> = {
  deployment: "deployment.apps",
  statefulset: "statefulset.apps",
  daemonset: "daemonset.apps",
};

export const resourceName = (kind: WorkloadKind, name: string) => `${RESOURCE[kind]}/${name}`;

export interface WorkloadRead {
  state: WorkloadState;
  selector: string;
  /** When the revision being rolled out was created (drain Events before it belong to earlier rollouts). */
  revisionCreatedAt?: number;
}

const epoch = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).getTime());

async function revisionsOf(c: PluginClients, selector: V1LabelSelector | undefined) {
  const labelSelector = selectorString(selector ?? {});
  const list = await c.apps.listNamespacedControllerRevision({ namespace: c.namespace, labelSelector });
  return list.items;
}

const created = (revisions: readonly V1ControllerRevision[], name: string | undefined) =>
  epoch(revisions.find((r) => r.metadata?.name === name)?.metadata?.creationTimestamp);

async function readKind(c: PluginClients, kind: WorkloadKind, name: string): Promise<WorkloadRead> {
  const namespace = c.namespace;
  if (kind === "deployment") {
    const d = await c.apps.readNamespacedDeployment({ name, namespace });
    const selector = selectorString(d.spec?.selector ?? {});
    const replicaSets = (await c.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector })).items;
    const hash = currentTemplateHash(d, replicaSets);
    const current = ownedBy(d.metadata?.uid, replicaSets).find(
      (rs) => rs.metadata?.labels?.["pod-template-hash"] === hash,
    );
    const at = epoch(current?.metadata?.creationTimestamp);
    return { state: deploymentState(d, replicaSets), selector, ...(at ? { revisionCreatedAt: at } : {}) };
  }
  if (kind === "statefulset") {
    const sts = await c.apps.readNamespacedStatefulSet({ name, namespace });
    const revisions = await revisionsOf(c, sts.spec?.selector);
    const at = created(revisions, sts.status?.updateRevision);
    const selector = selectorString(sts.spec?.selector ?? {});
    return { state: statefulSetState(sts), selector, ...(at ? { revisionCreatedAt: at } : {}) };
  }
  const ds = await c.apps.readNamespacedDaemonSet({ name, namespace });
  const revisions = await revisionsOf(c, ds.spec?.selector);
  const state = daemonSetState(ds, revisions);
  const at = epoch(newestRevision(ds, revisions)?.metadata?.creationTimestamp);
  return {
    state,
    selector: selectorString(ds.spec?.selector ?? {}),
    ...(at ? { revisionCreatedAt: at } : {}),
  };
}

export async function readWorkload(
  c: PluginClients,
  kind: WorkloadKind,
  name: string,
): Promise<WorkloadRead> {
  try {
    return await readKind(c, kind, name);
  } catch (error) {
    throw new Error(describeApiError(`reading ${kind} ${c.namespace}/${name}`, error));
  }
}

/** Reads a workload of any kind the plugin takes, as far as every kind has it (metadata, selector). */
export async function readWorkloadObject(
  c: PluginClients,
  kind: WorkloadKind,
  name: string,
): Promise<KubernetesObject & { spec?: { selector?: V1LabelSelector } }> {
  const args = { name, namespace: c.namespace };
  if (kind === "statefulset") return await c.apps.readNamespacedStatefulSet(args);
  if (kind === "daemonset") return await c.apps.readNamespacedDaemonSet(args);
  return await c.apps.readNamespacedDeployment(args);
}

/** Patches a workload of any kind the plugin takes (strategic merge, or JSON merge for metadata only). */
export async function patchWorkload(
  c: PluginClients,
  kind: WorkloadKind,
  name: string,
  body: object,
  strategy: PatchStrategy = PatchStrategy.StrategicMergePatch,
): Promise<void> {
  const args = { name, namespace: c.namespace, body };
  const options = setHeaderOptions("Content-Type", strategy);
  if (kind === "deployment") await c.apps.patchNamespacedDeployment(args, options);
  else if (kind === "statefulset") await c.apps.patchNamespacedStatefulSet(args, options);
  else await c.apps.patchNamespacedDaemonSet(args, options);
}

/** What `kubectl rollout restart` does: stamp the pod template, so the controller replaces every pod. */
export async function restartWorkload(c: PluginClients, kind: WorkloadKind, name: string, now: number) {
  const annotations = { "kubectl.kubernetes.io/restartedAt": new Date(now).toISOString() };
  try {
    await patchWorkload(c, kind, name, { spec: { template: { metadata: { annotations } } } });
  } catch (error) {
    throw new Error(describeApiError(`restarting ${kind} ${c.namespace}/${name}`, error));
  }
}
