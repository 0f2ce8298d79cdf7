// The operator's own graceful stop: hand the Lease over, stop the queues, keep answering admission calls until
// the webhook Service lets go of this replica, then close everything.
import type { Server } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterCache } from "../kube/cache.ts";
import type { Logger } from "../observability/logger.ts";
import type { WorkQueue } from "../runtime/work-queue.ts";
import { removeWebhookConfigurations } from "../webhooks/index.ts";
import type { OperatorConfig } from "./config.ts";
import type { Leadership } from "./leadership.ts";
import type { ServedWebhooks } from "./webhook-serving.ts";

export async function stopOperator(parts: {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  logger: Logger;
  leadership: Leadership;
  queues: readonly WorkQueue[];
  webhooks: ServedWebhooks;
  cache: ClusterCache;
  health: Server;
}): Promise<void> {
  const { config, logger, webhooks } = parts;
  // Drains move to another replica at once; admission calls still reach this one until the webhook Service
  // and the API server's kept-alive connections let go, so it keeps answering them for the delay.
  await parts.leadership.release();
  await Promise.all(parts.queues.map((q) => q.shutdown()));
  if (config.shutdownDelaySeconds > 0) {
    webhooks.server.closeConnectionsAfterEachCall();
    logger.info({ seconds: config.shutdownDelaySeconds }, "serving webhooks until the Service lets go");
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDelaySeconds * 1000));
  }
  webhooks.stopCertificateReload();
  parts.cache.stop();
  if (config.webhookConfig === "url") {
    // A local operator's URL dies with it: leave nothing behind that points at a closed port.
    await removeWebhookConfigurations(parts.kubeConfig);
  }
  await webhooks.server.close(config.shutdownDelaySeconds > 0 ? 5_000 : 0);
  await new Promise<void>((resolve) => parts.health.close(() => resolve()));
}
