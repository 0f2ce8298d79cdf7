// Scenario steps on any cluster: create the app, restart a rollout, and wait for it to complete.
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";
import { waitFor } from "../harness/wait-for.ts";
import { type AppOptions, appDeployment, appService, quiescePolicy } from "./manifests.ts";

export interface Apis {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
}

export function makeApis(kc: KubeConfig): Apis {
  return {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
}

/** A pod's name, UID and IP ("" when unset), for tests that pass pods around. */
export const nameOf = (p: V1Pod) => p.metadata?.name ?? "";
export const uidOf = (p: V1Pod) => p.metadata?.uid ?? "";
export const ipOf = (p: V1Pod) => p.status?.podIP ?? "";

export const isReady = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export async function createPolicy(
  apis: Apis,
  name: string,
  namespace: string,
  spec: QuiescePolicySpecInput,
) {
  return await apis.custom.createNamespacedCustomObject({
    group: "quiesce.dev",
    version: "v1alpha1",
    plural: "quiescepolicies",
    namespace,
    body: quiescePolicy(name, namespace, spec),
  });
}

export async function listPods(apis: Apis, namespace: string, app: string): Promise<V1Pod[]> {
  return (await apis.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

/** Creates the Deployment and its Service and waits until every replica is Ready. */
export async function createApp(apis: Apis, o: AppOptions, timeoutMs = 60_000): Promise<V1Pod[]> {
  await apis.core.createNamespacedService({ namespace: o.namespace, body: appService(o) });
  await apis.apps.createNamespacedDeployment({ namespace: o.namespace, body: appDeployment(o) });
  return await waitReadyPods(apis, o.namespace, o.name, o.replicas, timeoutMs);
}

/** Waits until the app has exactly `count` pods, all Ready. */
export async function waitReadyPods(
  apis: Apis,
  namespace: string,
  app: string,
  count: number,
  timeoutMs: number,
): Promise<V1Pod[]> {
  return await waitFor(
    async () => {
      const pods = await listPods(apis, namespace, app);
      return pods.length === count && pods.every(isReady) ? pods : undefined;
    },
    { timeoutMs, what: `${count} ready ${app} pods` },
  );
}

/** The patch `kubectl rollout restart` makes: stamp the pod template. */
export function restartPatch() {
  const annotations = { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() };
  return { spec: { template: { metadata: { annotations } } } };
}

/** What `kubectl rollout restart` does to a Deployment. */
export async function rolloutRestart(apis: Apis, namespace: string, name: string): Promise<void> {
  const body = restartPatch();
  await apis.apps.patchNamespacedDeployment(
    { name, namespace, body },
    setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
  );
}

/** Like `kubectl rollout status`: the new ReplicaSet fully rolled out, ready, and no old pods left. */
export async function waitRolloutComplete(
  apis: Apis,
  namespace: string,
  name: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      const d = await apis.apps.readNamespacedDeployment({ name, namespace });
      const want = d.spec?.replicas ?? 0;
      const s = d.status;
      const done =
        (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        s?.updatedReplicas === want &&
        s?.replicas === want &&
        s?.availableReplicas === want;
      if (!done) return false;
      const pods = await listPods(apis, namespace, name);
      return pods.length === want;
    },
    { timeoutMs, what: `rollout of ${namespace}/${name} complete`, intervalMs: 250 },
  );
}
