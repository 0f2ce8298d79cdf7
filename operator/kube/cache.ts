// The operator's informer caches: QuiescePolicies, Pods, ReplicaSets, Deployments, StatefulSets, DaemonSets and
// EndpointSlices, trimmed to what it reads.
import type {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  KubernetesObject,
  V1DaemonSet,
  V1Deployment,
  V1EndpointSlice,
  V1Pod,
  V1ReplicaSet,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { GROUP, PLURAL, type QuiescePolicy, quiescePolicySchema, VERSION } from "../api/quiesce-policy.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { Informer, watchPath } from "./informer.ts";
import { listAllPages, type Page, type PageQuery } from "./paged-list.ts";
import {
  trimDaemonSet,
  trimDeployment,
  trimEndpointSlice,
  trimPod,
  trimReplicaSet,
  trimStatefulSet,
} from "./trim.ts";

export interface ClusterCache {
  policies: Informer<QuiescePolicy & KubernetesObject>;
  pods: Informer<V1Pod>;
  replicaSets: Informer<V1ReplicaSet>;
  deployments: Informer<V1Deployment>;
  /** Owners of pods a budget counts: their desired size, whether they are going away, their current revision. */
  statefulSets: Informer<V1StatefulSet>;
  daemonSets: Informer<V1DaemonSet>;
  /** Which pods each Service routes to: a drain's settle wait starts once no slice lists its pod as serving. */
  endpointSlices: Informer<V1EndpointSlice>;
  start(): void;
  stop(): void;
  waitForSync(): Promise<void>;
  synced(): boolean;
}

export interface CacheApis {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  discovery: DiscoveryV1Api;
}

const isObject = (raw: unknown): raw is KubernetesObject =>
  typeof raw === "object" && raw !== null && typeof (raw as KubernetesObject).metadata?.name === "string";

/** What every informer of the cache shares. */
interface InformerContext {
  kubeConfig: KubeConfig;
  logger: Logger;
  clock: Clock;
  onRestart: (informer: string, reason: string) => void;
}

function policyInformer(
  ctx: InformerContext,
  custom: CustomObjectsApi,
): Informer<QuiescePolicy & KubernetesObject> {
  const { logger } = ctx;
  return new Informer<QuiescePolicy & KubernetesObject>({
    logger,
    clock: ctx.clock,
    name: "quiescepolicies",
    watch: watchPath(ctx.kubeConfig, `/apis/${GROUP}/${VERSION}/${PLURAL}`),
    list: async () => {
      const list = (await custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
      })) as {
        items?: unknown[];
        metadata?: { resourceVersion?: string };
      };
      const items = (list.items ?? []).flatMap((raw) => {
        const parsed = decodePolicy(raw, logger);
        return parsed ? [parsed] : [];
      });
      return { items, resourceVersion: list.metadata?.resourceVersion ?? "" };
    },
    decode: (raw) => decodePolicy(raw, logger),
    onRestart: (reason) => ctx.onRestart("quiescepolicies", reason),
  });
}

/** Makes informers of built-in kinds, listed over all namespaces and trimmed to what the operator reads. */
function builtinInformers(ctx: InformerContext) {
  return <T extends KubernetesObject>(
    name: string,
    path: string,
    listPage: (query: PageQuery) => Promise<Page<T>>,
    trim: (object: T) => T,
  ): Informer<T> =>
    new Informer<T>({
      logger: ctx.logger,
      clock: ctx.clock,
      name,
      watch: watchPath(ctx.kubeConfig, path),
      list: () => listAllPages(listPage, trim),
      decode: (raw) => (isObject(raw) ? trim(raw as T) : undefined),
      onRestart: (reason) => ctx.onRestart(name, reason),
    });
}

export function createClusterCache(
  apis: CacheApis,
  logger: Logger,
  onRestart: (informer: string, reason: string) => void,
  clock: Clock = systemClock,
): ClusterCache {
  const ctx: InformerContext = { kubeConfig: apis.kubeConfig, logger, clock, onRestart };
  const policies = policyInformer(ctx, apis.custom);
  const builtin = builtinInformers(ctx);
  const pods = builtin<V1Pod>("pods", "/api/v1/pods", (q) => apis.core.listPodForAllNamespaces(q), trimPod);
  const replicaSets = builtin<V1ReplicaSet>(
    "replicasets",
    "/apis/apps/v1/replicasets",
    (q) => apis.apps.listReplicaSetForAllNamespaces(q),
    trimReplicaSet,
  );
  const deployments = builtin<V1Deployment>(
    "deployments",
    "/apis/apps/v1/deployments",
    (q) => apis.apps.listDeploymentForAllNamespaces(q),
    trimDeployment,
  );
  const statefulSets = builtin<V1StatefulSet>(
    "statefulsets",
    "/apis/apps/v1/statefulsets",
    (q) => apis.apps.listStatefulSetForAllNamespaces(q),
    trimStatefulSet,
  );
  const daemonSets = builtin<V1DaemonSet>(
    "daemonsets",
    "/apis/apps/v1/daemonsets",
    (q) => apis.apps.listDaemonSetForAllNamespaces(q),
    trimDaemonSet,
  );
  const endpointSlices = builtin<V1EndpointSlice>(
    "endpointslices",
    "/apis/discovery.k8s.io/v1/endpointslices",
    (q) => apis.discovery.listEndpointSliceForAllNamespaces(q),
    trimEndpointSlice,
  );
  const all = [policies, pods, replicaSets, deployments, statefulSets, daemonSets, endpointSlices];
  return {
    policies,
    pods,
    replicaSets,
    deployments,
    statefulSets,
    daemonSets,
    endpointSlices,
    start: () => {
      for (const informer of all) informer.start();
    },
    stop: () => {
      for (const informer of all) informer.stop();
    },
    waitForSync: async () => {
      await Promise.all(all.map((i) => i.waitForSync()));
    },
    synced: () => all.every((i) => i.hasSynced()),
  };
}

function decodePolicy(raw: unknown, logger: Logger): (QuiescePolicy & KubernetesObject) | undefined {
  // The status is ours and optional: a status we cannot read must not hide the policy.
  const { status, ...rest } = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const parsed = quiescePolicySchema.safeParse(rest);
  if (parsed.success) {
    const readable = quiescePolicySchema.shape.status.safeParse(status);
    return { ...parsed.data, status: readable.success ? readable.data : undefined } as QuiescePolicy &
      KubernetesObject;
  }
  const meta = isObject(raw) ? raw.metadata : undefined;
  logger.warn(
    {
      controller: "cache",
      namespace: meta?.namespace,
      name: meta?.name,
      error: parsed.error.message.slice(0, 500),
    },
    "ignoring a QuiescePolicy the operator cannot read",
  );
  return undefined;
}
