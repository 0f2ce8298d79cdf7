// The admission webhooks every replica serves: certificates, the HTTPS server and its handlers, and the
// webhook configurations that point the API server at it.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CoreV1Api, KubeConfig, V1Pod } from "@kubernetes/client-node";
import { type ObjectKey, objectKey } from "../api/object-key.ts";
import { podTarget } from "../controllers/drain/pod-controller.ts";
import { backgroundRecorder, removalRecorder } from "../controllers/drain/removal-requests.ts";
import { listedAsServing } from "../controllers/workloads/endpoint-listing.ts";
import { lookupsFrom } from "../controllers/workloads/workload.ts";
import { isNotFound } from "../kube/api-errors.ts";
import type { ClusterCache } from "../kube/cache.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { PodWriter } from "../kube/pods.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import {
  buildWebhookConfigurations,
  type CertificatePair,
  createCertificateSource,
  createMutatePodsHandler,
  createPodDeletionHandler,
  createWebhookServer,
  generateWebhookCertificates,
  installWebhookConfigurations,
  type WebhookServer,
  writeWebhookCertificates,
} from "../webhooks/index.ts";
import type { OperatorConfig } from "./config.ts";

async function webhookCertificates(config: OperatorConfig, logger: Logger) {
  if (config.webhookCertDir) {
    const source = createCertificateSource({
      certFile: join(config.webhookCertDir, "tls.crt"),
      keyFile: join(config.webhookCertDir, "tls.key"),
      onError: (error) => logger.error({ err: String(error) }, "webhook certificate reload failed"),
    });
    const pair = await source.load();
    const ca = await readFile(join(config.webhookCertDir, "ca.crt"), "utf8").catch(() => pair.cert);
    return { pair, ca, source };
  }
  const generated = await generateWebhookCertificates({
    dnsNames: [
      "localhost",
      `${config.serviceName}.${config.namespace}.svc`,
      `${config.serviceName}.${config.namespace}.svc.cluster.local`,
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), "quiesce-webhook-"));
  await writeWebhookCertificates(dir, generated);
  return {
    pair: { cert: generated.cert, key: generated.key } as CertificatePair,
    ca: generated.caCert,
    source: undefined,
  };
}

/** Reads a pod from the API server (not the cache: the gate decides on the pod as it is now). */
function podReader(core: CoreV1Api) {
  return async (namespace: string, name: string): Promise<V1Pod | undefined> => {
    try {
      return await core.readNamespacedPod({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

/** Points the API server at this replica (url mode) or at the webhook Service, once the policies synced. */
async function installConfigurations(
  config: OperatorConfig,
  kubeConfig: KubeConfig,
  cache: ClusterCache,
  caBundlePem: string,
  port: number,
  logger: Logger,
): Promise<void> {
  if (config.webhookConfig === "none") return;
  const target =
    config.webhookConfig === "url"
      ? { url: `https://${config.webhookUrlHost}:${port}` }
      : { service: { namespace: config.namespace, name: config.serviceName, port: config.servicePort } };
  await cache.policies.waitForSync();
  await installWebhookConfigurations(
    kubeConfig,
    buildWebhookConfigurations({
      target,
      caBundlePem,
      failurePolicy: config.failurePolicy,
      excludedNamespaces: [config.namespace],
    }),
  );
  logger.info({ target }, "webhook configurations installed");
}

export interface ServedWebhooks {
  server: WebhookServer;
  port: number;
  /** Points the API server at this replica (url mode) or at the webhook Service, once the policies synced. */
  install(): Promise<void>;
  stopCertificateReload(): void;
  /**
   * Waits (at most `timeoutMs`) for the removal records being written for denied deletions, which may outlive
   * their admission answer; resolves with how many were still being written at the timeout.
   */
  recordsWritten(timeoutMs: number): Promise<number>;
}

/** The removal records being written, so a stopping replica lets them finish (the drain depends on them). */
export function trackedRecords<A>(record: (arg: A) => Promise<void>) {
  const pending = new Set<Promise<void>>();
  return {
    record(arg: A): Promise<void> {
      const job = record(arg);
      pending.add(job);
      job.then(
        () => pending.delete(job),
        () => pending.delete(job),
      );
      return job;
    },
    async written(timeoutMs: number): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      while (pending.size > 0 && Date.now() < deadline) {
        await Promise.race([
          Promise.allSettled([...pending]),
          new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()))),
        ]);
      }
      return pending.size;
    },
  };
}

export async function serveWebhooks(deps: {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  cache: ClusterCache;
  pods: PodWriter;
  events: EventRecorder;
  metrics: Metrics;
  logger: Logger;
  enqueueDrain: (key: ObjectKey) => void;
}): Promise<ServedWebhooks> {
  const { config, core, cache, events, logger } = deps;
  const certs = await webhookCertificates(config, logger);
  const getPod = podReader(core);
  const lookups = lookupsFrom(cache);
  const records = trackedRecords(
    removalRecorder({ cache, lookups, pods: deps.pods, enqueue: deps.enqueueDrain, getPod, logger }),
  );
  const recordRemoval = backgroundRecorder(records.record, logger, {
    answerWithinMs: config.removalRecordWaitMs,
  });
  // Before the policy cache has synced, "no policy selects this pod" would be a guess that lets a deletion skip
  // its drain: answer with an error instead, so the API server applies the configured failurePolicy.
  const syncedPolicies = (ns: string) => {
    if (!cache.policies.hasSynced()) throw new Error("the QuiescePolicy cache has not synced yet");
    return cache.policies.list(ns);
  };
  const server = createWebhookServer({
    tls: certs.pair,
    logger,
    observeLatency: (labels, seconds) => deps.metrics.webhookLatency.observe(labels, seconds),
    handlers: {
      "mutate-pods": createMutatePodsHandler({ listPolicies: syncedPolicies, logger }),
      "validate-pod-deletion": createPodDeletionHandler({
        listPolicies: syncedPolicies,
        getPod,
        startDrain: recordRemoval,
        reportDryRun: async (effect) => deps.enqueueDrain(objectKey(effect.pod.namespace, effect.pod.name)),
        breakGlassUsed: async (effect) => {
          const pod = await getPod(effect.pod.namespace, effect.pod.name);
          if (pod === undefined) return;
          await events.record(
            podTarget(pod),
            "Warning",
            "BreakGlass",
            `${effect.user.username ?? "unknown user"} removed the pod through break-glass (${effect.via}) bypassing QuiescePolicy ${effect.policy}: ${effect.reason}`,
          );
        },
        routedByService: (pod) =>
          listedAsServing(pod, cache.endpointSlices.list(pod.metadata?.namespace ?? undefined)),
        now: () => new Date(),
        logger,
      }),
    },
  });
  certs.source?.start((pair) => {
    server.setCertificate(pair);
    logger.info("webhook certificate reloaded");
  });
  const address = await server.listen(config.webhookPort, config.webhookHost);
  return {
    server,
    port: address.port,
    stopCertificateReload: () => certs.source?.stop(),
    recordsWritten: records.written,
    install: () => installConfigurations(config, deps.kubeConfig, cache, certs.ca, address.port, logger),
  };
}
