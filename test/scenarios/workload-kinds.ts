// Scenario steps for the workload kinds beside Deployments: StatefulSets and DaemonSets of the sample app, their
// rolling restarts and rollout status, and `kubectl drain` of a node (cordon, then evict with retries).
import { PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { waitFor } from "../harness/wait-for.ts";
import { evictPod } from "./drain-steps.ts";
import { type AppOptions, appDaemonSet, appService, appStatefulSet } from "./manifests.ts";
import { type Apis, listPods, nameOf, restartPatch, waitReadyPods } from "./workloads.ts";

export type WorkloadKind = "StatefulSet" | "DaemonSet";

/** Creates the StatefulSet and its Service; resolves when every replica is Ready. */
export async function createStatefulSetApp(
  apis: Apis,
  o: Parameters<typeof appStatefulSet>[0],
  timeoutMs = 90_000,
): Promise<V1Pod[]> {
  await apis.core.createNamespacedService({ namespace: o.namespace, body: appService(o) });
  await apis.apps.createNamespacedStatefulSet({ namespace: o.namespace, body: appStatefulSet(o) });
  return await waitReadyPods(apis, o.namespace, o.name, o.replicas, timeoutMs);
}

/** Creates the DaemonSet and its Service; resolves when `nodes` pods are Ready. */
export async function createDaemonSetApp(
  apis: Apis,
  o: AppOptions,
  nodes: number,
  timeoutMs = 90_000,
): Promise<V1Pod[]> {
  await apis.core.createNamespacedService({ namespace: o.namespace, body: appService(o) });
  await apis.apps.createNamespacedDaemonSet({ namespace: o.namespace, body: appDaemonSet(o) });
  return await waitReadyPods(apis, o.namespace, o.name, nodes, timeoutMs);
}

/** What `kubectl rollout restart statefulset|daemonset/NAME` does: stamp the pod template. */
export async function restartWorkload(apis: Apis, kind: WorkloadKind, namespace: string, name: string) {
  const body = restartPatch();
  const merge = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
  if (kind === "StatefulSet") await apis.apps.patchNamespacedStatefulSet({ name, namespace, body }, merge);
  else await apis.apps.patchNamespacedDaemonSet({ name, namespace, body }, merge);
}

/** One pod as a rollout's timeout error shows it: node, revision, drain annotations, conditions, deletion. */
function podSummary(pod: V1Pod) {
  const quiesce = Object.entries(pod.metadata?.annotations ?? {}).filter(([k]) =>
    k.startsWith("quiesce.dev/"),
  );
  return {
    name: nameOf(pod),
    node: pod.spec?.nodeName,
    revision: pod.metadata?.labels?.["controller-revision-hash"],
    deleting: pod.metadata?.deletionTimestamp,
    phase: pod.status?.phase,
    conditions: Object.fromEntries((pod.status?.conditions ?? []).map((c) => [c.type, c.status])),
    quiesce: Object.fromEntries(quiesce),
  };
}

/** Like `kubectl rollout status`: every pod of the new revision, ready, and none of the old left. */
export async function waitWorkloadRolledOut(
  apis: Apis,
  kind: WorkloadKind,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  // Not yet: the timeout error reports where the rollout stands (waitFor keeps the last error).
  const notYet = async (status: unknown, pods?: V1Pod[]) =>
    new Error(
      JSON.stringify({ status, pods: (pods ?? (await listPods(apis, namespace, name))).map(podSummary) }),
    );
  await waitFor(
    async () => {
      if (kind === "StatefulSet") {
        const s = await apis.apps.readNamespacedStatefulSet({ name, namespace });
        const want = s.spec?.replicas ?? 0;
        const st = s.status;
        if (
          (st?.observedGeneration ?? 0) >= (s.metadata?.generation ?? 0) &&
          st?.updateRevision !== undefined &&
          st.currentRevision === st.updateRevision &&
          st.updatedReplicas === want &&
          st.readyReplicas === want
        )
          return true;
        throw await notYet(st);
      }
      const d = await apis.apps.readNamespacedDaemonSet({ name, namespace });
      const st = d.status;
      const want = st?.desiredNumberScheduled ?? -1;
      const pods = await listPods(apis, namespace, name);
      if (
        (st?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        st?.updatedNumberScheduled === want &&
        st?.numberAvailable === want &&
        pods.length === want
      )
        return true;
      throw await notYet(st, pods);
    },
    { timeoutMs, what: `rollout of ${kind} ${namespace}/${name} complete`, intervalMs: 250 },
  );
}

export async function setUnschedulable(apis: Apis, node: string, unschedulable: boolean): Promise<void> {
  await apis.core.patchNode(
    { name: node, body: { spec: { unschedulable } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}

/**
 * What `kubectl drain NODE` does for the pods of one namespace: evict each pod on the node, retrying every
 * `retryMs` while the eviction is refused (429: a PodDisruptionBudget, or the operator's drain), until each pod is
 * gone or terminating. Returns how many eviction calls it made. The caller cordons the node first.
 */
export async function drainNodeOf(
  apis: Apis,
  namespace: string,
  app: string,
  node: string,
  timeoutMs: number,
  retryMs = 1000,
): Promise<number> {
  let calls = 0;
  const onNode = async () =>
    (await listPods(apis, namespace, app)).filter(
      (p) => p.spec?.nodeName === node && !p.metadata?.deletionTimestamp,
    );
  await waitFor(
    async () => {
      const left = await onNode();
      for (const pod of left) {
        calls++;
        await evictPod(apis, namespace, nameOf(pod));
      }
      return left.length === 0;
    },
    { timeoutMs, intervalMs: retryMs, what: `every ${app} pod evicted from ${node}` },
  );
  return calls;
}
