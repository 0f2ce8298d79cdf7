// Wires the operator together: caches, controllers and queues (leader only), webhooks and health (every replica).

import { mkdtemp, readFile } from "node:fs/promises";
import type { Server } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type V1EndpointSlice,
  type V1Pod,
} from "@kubernetes/client-node";
import { MAINTENANCE_ANNOTATION, maintenanceOf } from "../api/maintenance.ts";
import { drainStateOf } from "../api/pod-view.ts";
import { selectingPolicies } from "../api/policy-match.ts";
import {
  isOurPod,
  lookupsFrom,
  needsReconcile,
  PodController,
  podTarget,
} from "../controllers/drain/pod-controller.ts";
import { backgroundRecorder, removalRecorder } from "../controllers/drain/removal-requests.ts";
import { MaintenanceController } from "../controllers/maintenance/maintenance-controller.ts";
import { PolicyController } from "../controllers/policy/policy-controller.ts";
import { listedAsServing } from "../controllers/workloads/endpoint-listing.ts";
import { ownershipOf } from "../controllers/workloads/workload.ts";
import { isNotFound } from "../kube/api-errors.ts";
import { type ClusterCache, createClusterCache } from "../kube/cache.ts";
import { eventRecorder } from "../kube/events.ts";
import { loadKubeConfig } from "../kube/kube-config.ts";
import { LeaderElector } from "../kube/leader-election.ts";
import { podWriter } from "../kube/pods.ts";
import { secretTokenSource } from "../kube/secrets.ts";
import { startHealthServer } from "../observability/health-server.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { type ReconcileResult, WorkQueue } from "../runtime/work-queue.ts";
import {
  buildWebhookConfigurations,
  type CertificatePair,
  createCertificateSource,
  createMutatePodsHandler,
  createPodDeletionHandler,
  createWebhookServer,
  generateWebhookCertificates,
  installWebhookConfigurations,
  removeWebhookConfigurations,
  type WebhookServer,
  writeWebhookCertificates,
} from "../webhooks/index.ts";
import type { OperatorConfig } from "./config.ts";

export interface RunningOperator {
  logger: Logger;
  metrics: Metrics;
  webhookPort: number;
  healthPort: number;
  isLeader(): boolean;
  stop(): Promise<void>;
}

function queueFor(
  name: string,
  reconcile: (key: string) => Promise<ReconcileResult>,
  workers: number,
  metrics: Metrics,
  logger: Logger,
) {
  return new WorkQueue({
    name,
    workers,
    reconcile: async (key) => {
      const timer = metrics.reconcileTime.startTimer({ controller: name });
      try {
        const result = await reconcile(key);
        metrics.reconcileTotal.inc({
          controller: name,
          result: result.kind === "error" ? "error" : result.kind === "done" ? "success" : "requeue_after",
        });
        if (result.kind === "error") {
          metrics.reconcileErrors.inc({ controller: name });
          logger.warn({ controller: name, key, err: String(result.error) }, "reconcile failed");
        }
        return result;
      } catch (error) {
        metrics.reconcileTotal.inc({ controller: name, result: "error" });
        metrics.reconcileErrors.inc({ controller: name });
        logger.warn(
          { controller: name, key, err: error instanceof Error ? error.message : String(error) },
          "reconcile threw",
        );
        return { kind: "error", error };
      } finally {
        timer();
      }
    },
    // client-go's 5 ms doubling, but capped at 5 s rather than 1000 s: a drain has a deadline, and a key that
    // failed all through an API server outage must be retried within seconds of its return.
    backoff: { baseMs: 5, maxMs: 5_000 },
    hooks: {
      onAdd: () => metrics.queueAdds.inc({ name }),
      onDepth: (depth) => metrics.queueDepth.set({ name }, depth),
      onRetry: () => metrics.queueRetries.inc({ name }),
    },
  });
}

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

export async function startOperator(
  config: OperatorConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningOperator> {
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const metrics = createMetrics();
  const write = (verb: string, resource: string) => metrics.apiRequests.inc({ verb, resource });
  const cache: ClusterCache = createClusterCache(
    { kubeConfig, core, apps, custom, discovery: kubeConfig.makeApiClient(DiscoveryV1Api) },
    logger,
    (informer, reason) => metrics.informerRestarts.inc({ informer, reason }),
  );
  const pods = podWriter(core, write);
  const events = eventRecorder(core, "quiesce-operator", (error) =>
    logger.debug({ err: String(error) }, "event not recorded"),
  );
  const lookups = lookupsFrom(cache);

  const policyController = new PolicyController({
    cache,
    custom,
    logger,
    now: () => new Date(),
    onWrite: () => write("patch", "quiescepolicies/status"),
  });
  const podController = new PodController({
    cache,
    pods,
    events,
    tokens: secretTokenSource(core),
    metrics,
    logger,
    now: () => Date.now(),
    onOutcome: (policy, ending) => {
      policyController.recordOutcome(policy, ending);
      policyQueue.add(policy);
    },
  });
  const podQueue = queueFor("drain", podController.reconcile, config.workers, metrics, logger);
  const maintenanceController = new MaintenanceController({
    cache,
    lookups,
    pods,
    events,
    enqueuePod: (key) => podQueue.add(key),
    logger,
    now: () => Date.now(),
  });
  const maintenanceQueue = queueFor("maintenance", maintenanceController.reconcile, 2, metrics, logger);
  const policyQueue = queueFor("policy", policyController.reconcile, 2, metrics, logger);

  const enqueuePolicies = (pod: V1Pod) => {
    for (const p of selectingPolicies(pod, cache.policies.list(pod.metadata?.namespace))) {
      policyQueue.add(`${p.metadata.namespace}/${p.metadata.name}`);
    }
  };
  const enqueueMaintenance = (pod: V1Pod) => {
    const own = ownershipOf(pod, lookups).workload;
    if (own.kind !== "Deployment") return;
    if (maintenanceOf(cache.deployments.get(own.namespace, own.name)) !== undefined) {
      maintenanceQueue.add(`${own.namespace}/${own.name}`);
    }
  };
  const onPod = (pod: V1Pod) => {
    if (needsReconcile(pod, cache.policies.list(pod.metadata?.namespace)))
      podQueue.add(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    enqueuePolicies(pod);
    enqueueMaintenance(pod);
  };
  cache.pods.on("add", onPod);
  cache.pods.on("update", onPod);
  cache.pods.on("delete", enqueuePolicies);
  const onPolicy = (p: { metadata: { namespace: string; name: string } }) =>
    policyQueue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  cache.policies.on("add", onPolicy);
  cache.policies.on("update", onPolicy);
  // A Settling drain measures its settle from when it sees its pod leave the EndpointSlices: look at once.
  const onSlice = (slice: V1EndpointSlice, old?: V1EndpointSlice) => {
    const namespace = slice.metadata?.namespace ?? "";
    const names = new Set(
      [...(slice.endpoints ?? []), ...(old?.endpoints ?? [])].map((e) => e.targetRef?.name),
    );
    for (const name of names) {
      if (name === undefined) continue;
      const pod = cache.pods.get(namespace, name);
      if (pod === undefined || drainStateOf(pod).phase !== "Settling") continue;
      podController.wake(`${namespace}/${name}`);
      podQueue.add(`${namespace}/${name}`);
    }
  };
  cache.endpointSlices.on("update", onSlice);
  cache.endpointSlices.on("delete", (slice) => onSlice(slice));
  cache.deployments.on("update", (d, old) => {
    for (const p of cache.policies.list(d.metadata?.namespace)) onPolicy(p);
    const was = old?.metadata?.annotations?.[MAINTENANCE_ANNOTATION];
    if (was !== d.metadata?.annotations?.[MAINTENANCE_ANNOTATION]) {
      maintenanceQueue.add(`${d.metadata?.namespace}/${d.metadata?.name}`);
    }
  });

  // Webhooks are served by every replica; they read the caches and write the removal request on the pod.
  const certs = await webhookCertificates(config, logger);
  const getPod = async (namespace: string, name: string) => {
    try {
      return await core.readNamespacedPod({ namespace, name });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const recordRemoval = backgroundRecorder(
    removalRecorder({
      cache,
      lookups,
      pods,
      enqueue: (key) => podQueue.add(key),
      getPod,
      logger,
    }),
    logger,
  );
  // Before the policy cache has synced, "no policy selects this pod" would be a guess that lets a deletion skip
  // its drain: answer with an error instead, so the API server applies the configured failurePolicy.
  const syncedPolicies = (ns: string) => {
    if (!cache.policies.hasSynced()) throw new Error("the QuiescePolicy cache has not synced yet");
    return cache.policies.list(ns);
  };
  const webhook: WebhookServer = createWebhookServer({
    tls: certs.pair,
    logger,
    observeLatency: (labels, seconds) => metrics.webhookLatency.observe(labels, seconds),
    handlers: {
      "mutate-pods": createMutatePodsHandler({ listPolicies: syncedPolicies, logger }),
      "validate-pod-deletion": createPodDeletionHandler({
        listPolicies: syncedPolicies,
        getPod,
        startDrain: recordRemoval,
        reportDryRun: async (effect) => podQueue.add(`${effect.pod.namespace}/${effect.pod.name}`),
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
    webhook.setCertificate(pair);
    logger.info("webhook certificate reloaded");
  });
  const address = await webhook.listen(config.webhookPort, config.webhookHost);

  cache.start();
  const leader = config.leaderElect
    ? new LeaderElector({
        api: kubeConfig.makeApiClient(CoordinationV1Api),
        namespace: config.namespace,
        name: config.leaseName,
        identity: config.identity ?? `${hostname()}-${process.pid}`,
        leaseDurationMs: config.leaseDurationSeconds * 1000,
        renewDeadlineMs: config.renewDeadlineSeconds * 1000,
        retryPeriodMs: config.retryPeriodSeconds * 1000,
        logger,
        onStartedLeading: () => {
          metrics.isLeader.set({ name: config.leaseName }, 1);
          startControllers();
        },
        onStoppedLeading: () => {
          metrics.isLeader.set({ name: config.leaseName }, 0);
          // Like client-go's users: a replica that lost the lease exits and is restarted clean.
          if (!stopping) {
            logger.error("leadership lost; exiting");
            process.exit(1);
          }
        },
      })
    : undefined;
  // A standby reports 0 (not nothing), so "exactly one leader" is sum(leader_election_master_status) == 1.
  if (leader) metrics.isLeader.set({ name: config.leaseName }, 0);
  let controllersStarted = false;
  function startControllers() {
    void cache.waitForSync().then(() => {
      if (stopping) return;
      controllersStarted = true;
      podQueue.start();
      policyQueue.start();
      maintenanceQueue.start();
      for (const d of cache.deployments.list()) {
        if (maintenanceOf(d) !== undefined)
          maintenanceQueue.add(`${d.metadata?.namespace}/${d.metadata?.name}`);
      }
      // A new leader resumes every drain recorded on pods and refreshes every policy's status.
      for (const pod of cache.pods.list())
        if (isOurPod(pod)) podQueue.add(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
      for (const p of cache.policies.list()) onPolicy(p);
      logger.info(
        { pods: cache.pods.list().length, policies: cache.policies.list().length },
        "controllers started",
      );
    });
  }
  let stopping = false;
  if (leader) void leader.run();
  else startControllers();

  if (config.webhookConfig !== "none") {
    const target =
      config.webhookConfig === "url"
        ? { url: `https://${config.webhookUrlHost}:${address.port}` }
        : { service: { namespace: config.namespace, name: config.serviceName, port: config.servicePort } };
    await cache.policies.waitForSync();
    await installWebhookConfigurations(
      kubeConfig,
      buildWebhookConfigurations({
        target,
        caBundlePem: certs.ca,
        failurePolicy: config.failurePolicy,
        excludedNamespaces: [config.namespace],
      }),
    );
    logger.info({ target }, "webhook configurations installed");
  }

  const health: Server = await startHealthServer(
    config.healthHost,
    config.healthPort,
    { live: () => true, ready: () => !stopping && cache.synced() },
    metrics.registry,
  );
  const healthAddress = health.address();
  logger.info({ webhookPort: address.port, leaderElect: config.leaderElect }, "operator running");
  return {
    logger,
    metrics,
    webhookPort: address.port,
    healthPort: typeof healthAddress === "object" && healthAddress ? healthAddress.port : config.healthPort,
    isLeader: () => (leader ? leader.isLeader() : controllersStarted),
    async stop() {
      stopping = true;
      // Drains move to another replica at once; admission calls still reach this one until the webhook Service
      // and the API server's kept-alive connections let go, so it keeps answering them for the delay.
      await leader?.release();
      await Promise.all([podQueue.shutdown(), policyQueue.shutdown(), maintenanceQueue.shutdown()]);
      if (config.shutdownDelaySeconds > 0) {
        webhook.closeConnectionsAfterEachCall();
        logger.info({ seconds: config.shutdownDelaySeconds }, "serving webhooks until the Service lets go");
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelaySeconds * 1000));
      }
      certs.source?.stop();
      cache.stop();
      if (config.webhookConfig === "url") {
        // A local operator's URL dies with it: leave nothing behind that points at a closed port.
        await removeWebhookConfigurations(kubeConfig);
      }
      await webhook.close(config.shutdownDelaySeconds > 0 ? 5_000 : 0);
      await new Promise<void>((resolve) => health.close(() => resolve()));
    },
  };
}
