// Wires the operator together: caches, controllers and queues (leader only, per term of leadership), webhooks and
// health (every replica, leading or not).
import type { Server } from "node:http";
import { startHealthServer } from "../observability/health-server.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { connectToCluster } from "./cluster-connection.ts";
import type { OperatorConfig } from "./config.ts";
import { buildControllers } from "./controllers.ts";
import { leaderTerms } from "./leader-terms.ts";
import { startLeadership } from "./leadership.ts";
import { stopOperator } from "./stop-operator.ts";
import { serveWebhooks } from "./webhook-serving.ts";

export interface RunningOperator {
  logger: Logger;
  metrics: Metrics;
  webhookPort: number;
  healthPort: number;
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startOperator(
  config: OperatorConfig,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningOperator> {
  const metrics = createMetrics();
  const { kubeConfig, core, custom, cache, pods, events, write } = connectToCluster(config, logger, metrics);
  const controllers = buildControllers({
    ...{ cache, core, custom, pods, events, metrics, logger },
    workers: config.workers,
    onWrite: write,
  });
  const webhooks = await serveWebhooks({
    ...{ config, kubeConfig, core, cache, pods, events, metrics, logger },
    enqueueDrain: controllers.enqueueDrain,
  });
  cache.start();
  let stopping = false;
  const terms = leaderTerms({
    controllers,
    waitForSync: () => cache.waitForSync(),
    onStarted: (term) => {
      const counts = { pods: cache.pods.list().length, policies: cache.policies.list().length };
      logger.info({ ...counts, term }, "controllers started");
    },
  });
  const leadership = startLeadership({
    ...{ config, kubeConfig, logger, metrics, terms },
    stopping: () => stopping,
  });
  await webhooks.install();

  const health: Server = await startHealthServer(
    config.healthHost,
    config.healthPort,
    { live: () => true, ready: () => !stopping && cache.synced() },
    metrics.registry,
  );
  const healthAddress = health.address();
  logger.info({ webhookPort: webhooks.port, leaderElect: config.leaderElect }, "operator running");
  return {
    logger,
    metrics,
    webhookPort: webhooks.port,
    healthPort: typeof healthAddress === "object" && healthAddress ? healthAddress.port : config.healthPort,
    isLeader: () => leadership.isLeader(),
    async stop() {
      stopping = true;
      await stopOperator({
        config,
        kubeConfig,
        logger,
        leadership,
        terms,
        controllers,
        webhooks,
        cache,
        health,
      });
    },
  };
}
