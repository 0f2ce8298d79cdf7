// Scenario steps for drains on any cluster: hold a request on a pod, remove pods, read drain annotations and Events.
import { request } from "node:http";
import {
  type CoreV1Event,
  type DiscoveryV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import { ANNOTATIONS, SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import { GROUP, PLURAL, type QuiescePolicy, VERSION } from "../../operator/api/quiesce-policy.ts";
import { readyAddresses } from "../harness/traffic/index.ts";
import { waitFor } from "../harness/wait-for.ts";
import { APP_PORT } from "./manifests.ts";
import type { Apis } from "./workloads.ts";

export interface HeldRequest {
  /** Resolves when the response ends (status and body), or with the error that ended it. */
  done: Promise<{ status?: number; body: string; error?: string; endedAt: number }>;
  abort(): void;
}

/** Sends GET path straight to one pod (as a client that picked it earlier would) and keeps it open until it ends. */
export function holdRequest(podIP: string, path: string, port = APP_PORT): HeldRequest {
  let abort = () => {};
  const done = new Promise<{ status?: number; body: string; error?: string; endedAt: number }>((resolve) => {
    const req = request({ host: podIP, port, path, method: "GET", agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, body, endedAt: Date.now() }));
      res.on("error", (e) =>
        resolve({ status: res.statusCode, body, error: e.message, endedAt: Date.now() }),
      );
    });
    req.on("error", (e) => resolve({ body: "", error: e.message, endedAt: Date.now() }));
    req.end();
    abort = () => req.destroy();
  });
  return { done, abort: () => abort() };
}

/** The status code and message of a rejected API call, or undefined when it succeeded. */
export async function rejection(
  call: Promise<unknown>,
): Promise<{ code: number; message: string } | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    const e = error as { code?: unknown; body?: unknown };
    if (typeof e.code !== "number") throw error;
    let message = typeof e.body === "string" ? e.body : String(error);
    try {
      const parsed = JSON.parse(message) as { message?: unknown };
      if (typeof parsed.message === "string") message = parsed.message;
    } catch {
      // not JSON: keep the raw body
    }
    return { code: e.code, message };
  }
}

/** `kubectl delete pod`: one DELETE, with the API server's answer. */
export function deletePod(apis: Apis, namespace: string, name: string) {
  return rejection(apis.core.deleteNamespacedPod({ namespace, name }));
}

/** `kubectl drain`'s call for one pod: a policy/v1 Eviction. */
export function evictPod(apis: Apis, namespace: string, name: string) {
  return rejection(
    apis.core.createNamespacedPodEviction({
      namespace,
      name,
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } },
    }),
  );
}

export async function readPod(apis: Apis, namespace: string, name: string): Promise<V1Pod | undefined> {
  try {
    return await apis.core.readNamespacedPod({ namespace, name });
  } catch (error) {
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw error;
  }
}

export const drainAnnotation = (pod: V1Pod | undefined, key: keyof typeof ANNOTATIONS) =>
  pod?.metadata?.annotations?.[ANNOTATIONS[key]];

export const servingGate = (pod: V1Pod | undefined) =>
  pod?.status?.conditions?.find((c) => c.type === SERVING_CONDITION)?.status;

/** When the pod with this UID was seen gone or terminating (test clock), polling every 100 ms. */
export async function waitPodRemoved(
  apis: Apis,
  namespace: string,
  name: string,
  uid: string,
  timeoutMs: number,
): Promise<{ at: number; pod?: V1Pod }> {
  return await waitFor(
    async () => {
      const pod = await readPod(apis, namespace, name);
      if (pod === undefined || pod.metadata?.uid !== uid) return { at: Date.now() };
      return pod.metadata?.deletionTimestamp ? { at: Date.now(), pod } : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `pod ${namespace}/${name} removed` },
  );
}

/** When the API server started the deletion (deletionTimestamp minus the grace period; second precision). */
export function deletionRequestedAt(pod: V1Pod): number | undefined {
  const ts = pod.metadata?.deletionTimestamp;
  if (!ts) return undefined;
  return new Date(ts).getTime() - (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000;
}

export async function podEvents(apis: Apis, namespace: string, pod: string): Promise<CoreV1Event[]> {
  const list = await apis.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}`,
  });
  return list.items;
}

export async function waitForEvent(
  apis: Apis,
  namespace: string,
  pod: string,
  reason: string,
  timeoutMs: number,
): Promise<CoreV1Event> {
  return await waitFor(async () => (await podEvents(apis, namespace, pod)).find((e) => e.reason === reason), {
    timeoutMs,
    intervalMs: 250,
    what: `Event ${reason} on pod ${namespace}/${pod}`,
  });
}

export async function readPolicy(apis: Apis, namespace: string, name: string): Promise<QuiescePolicy> {
  return (await apis.custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace,
    name,
  })) as QuiescePolicy;
}

const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A JSON merge patch of a QuiescePolicy (`kubectl patch qp --type merge`). */
export async function patchPolicy(apis: Apis, namespace: string, name: string, body: object) {
  await apis.custom.patchNamespacedCustomObject(
    { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body },
    merge,
  );
}

export async function scaleDeployment(apis: Apis, namespace: string, name: string, replicas: number) {
  await apis.apps.patchNamespacedDeployment({ namespace, name, body: { spec: { replicas } } }, strategic);
}

/** Sets (or with null removes) an annotation on the pod template: a new revision, or back to an old one. */
export async function setTemplateAnnotation(
  apis: Apis,
  namespace: string,
  name: string,
  key: string,
  value: string | null,
): Promise<V1Deployment> {
  const body = { spec: { template: { metadata: { annotations: { [key]: value } } } } };
  return await apis.apps.patchNamespacedDeployment({ namespace, name, body }, strategic);
}

/** Nearest-rank percentile of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The addresses kube-proxy would route the Service to right now (no propagation delay). */
export async function readyServiceAddresses(
  discovery: DiscoveryV1Api,
  namespace: string,
  service: string,
): Promise<string[]> {
  const slices = await discovery.listNamespacedEndpointSlice({
    namespace,
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  return readyAddresses(slices.items);
}

/** The app's quiesce status (GET /quiesce on the pod), as the operator reads it. */
export async function appStatus(
  podIP: string,
  port = APP_PORT,
): Promise<{ state: string; inFlight: number; accepted?: number; refused?: number }> {
  const held = holdRequest(podIP, "/quiesce", port);
  const r = await held.done;
  if (r.status !== 200) throw new Error(`GET /quiesce on ${podIP}: ${r.status ?? r.error}`);
  return JSON.parse(r.body) as { state: string; inFlight: number; accepted?: number; refused?: number };
}

/** Holds a request on the pod and waits until the app counts it in flight. */
export async function holdWork(podIP: string, ms: number): Promise<HeldRequest> {
  const [held] = await holdWorks(podIP, ms, 1);
  if (held === undefined) throw new Error("no request held");
  return held;
}

/** Holds `count` requests on the pod and waits until the app counts at least that many in flight. */
export async function holdWorks(podIP: string, ms: number, count: number): Promise<HeldRequest[]> {
  const held = Array.from({ length: count }, () => holdRequest(podIP, `/work?ms=${ms}`));
  await waitFor(async () => (await appStatus(podIP)).inFlight >= count, {
    timeoutMs: 10_000,
    what: `${count} /work request(s) in flight on ${podIP}`,
  });
  return held;
}

/** Deletes the namespace's QuiescePolicies first, so its pods go without drains, then the namespace. */
export async function deleteNamespaceWithoutDrains(apis: Apis, namespace: string): Promise<void> {
  const list = (await apis.custom
    .listNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, namespace })
    .catch(() => ({ items: [] }))) as { items: QuiescePolicy[] };
  for (const p of list.items) {
    await apis.custom
      .deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace,
        name: p.metadata.name,
      })
      .catch(() => undefined);
  }
  await apis.core.deleteNamespace({ name: namespace }).catch(() => undefined);
}

/** A strategic-merge patch of a Deployment (containers merge by name). */
export async function patchDeployment(apis: Apis, namespace: string, name: string, body: object) {
  return await apis.apps.patchNamespacedDeployment({ namespace, name, body }, strategic);
}

/** Pod state sampler: calls `sample` with the namespace's pods every `intervalMs` until stopped. */
export function samplePods(
  apis: Apis,
  namespace: string,
  app: string,
  sample: (pods: V1Pod[]) => void,
  intervalMs = 100,
): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        sample((await apis.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items);
      } catch {
        // a failed list is a missed sample, not a failure
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

export interface PodVersion {
  /** When the test received it. */
  at: number;
  type: string;
  pod: V1Pod;
}

export interface PodWatch {
  /** Every version of the pod in order, ending with DELETED once it is gone. */
  readonly versions: readonly PodVersion[];
  /** The first version matching, if seen yet. */
  first(match: (pod: V1Pod, type: string) => boolean): PodVersion | undefined;
  stop(): void;
}

/** Watches one pod and keeps every version, so short-lived states (Drained for 100 ms) are never missed. */
export function watchPod(kc: KubeConfig, namespace: string, name: string): Promise<PodWatch> {
  return watchVersions(kc, namespace, { fieldSelector: `metadata.name=${name}` });
}

/** Watches the pods matching `labelSelector` and keeps every version of each, in order. */
export function watchPods(kc: KubeConfig, namespace: string, labelSelector: string): Promise<PodWatch> {
  return watchVersions(kc, namespace, { labelSelector });
}

async function watchVersions(
  kc: KubeConfig,
  namespace: string,
  query: { fieldSelector?: string; labelSelector?: string },
): Promise<PodWatch> {
  const versions: PodVersion[] = [];
  const controller = await new Watch(kc).watch(
    `/api/v1/namespaces/${namespace}/pods`,
    query,
    (type: string, pod: V1Pod) => versions.push({ at: Date.now(), type, pod }),
    () => {},
  );
  return {
    versions,
    first: (match) => versions.find((v) => match(v.pod, v.type)),
    stop: () => controller.abort(),
  };
}

/** The drain phase recorded on a pod version (Serving when none). */
export const phaseOf = (pod: V1Pod | undefined) => drainAnnotation(pod, "state") ?? "Serving";

/** When the operator entered the pod's current phase (its own clock, ms precision). */
export const phaseEnteredAt = (pod: V1Pod | undefined) =>
  Date.parse(drainAnnotation(pod, "phaseEnteredAt") ?? "");

/** When the test first saw the pod terminating or gone. */
export const removalSeen = (w: PodWatch) =>
  w.first((p, type) => type === "DELETED" || p.metadata?.deletionTimestamp != null)?.at;
