// The API calls of a rollout per workload kind: read it, restart it (stamp its pod template), and read the state
// the rollout tracker follows (its revisions and pods).
import {
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
  const newest = ownedBy(ds.metadata?.uid, revisions).sort((a, b) => b.revision - a.revision)[0];
  const at = epoch(newest?.metadata?.creationTimestamp);
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

/** What `kubectl rollout restart` does: stamp the pod template, so the controller replaces every pod. */
export async function restartWorkload(c: PluginClients, kind: WorkloadKind, name: string, now: number) {
  const annotations = { "kubectl.kubernetes.io/restartedAt": new Date(now).toISOString() };
  const args = { name, namespace: c.namespace, body: { spec: { template: { metadata: { annotations } } } } };
  const merge = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
  try {
    if (kind === "deployment") await c.apps.patchNamespacedDeployment(args, merge);
    else if (kind === "statefulset") await c.apps.patchNamespacedStatefulSet(args, merge);
    else await c.apps.patchNamespacedDaemonSet(args, merge);
  } catch (error) {
    throw new Error(describeApiError(`restarting ${kind} ${c.namespace}/${name}`, error));
  }
}
