// The operator's own graceful stop: hand the Lease over, shut the queues down, keep answering admission calls until
// the webhook Service lets go of this replica, then close everything.
import type { Server } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterCache } from "../kube/cache.ts";
import type { Logger } from "../observability/logger.ts";
import { removeWebhookConfigurations } from "../webhooks/index.ts";
import type { OperatorConfig } from "./config.ts";
import type { Controllers } from "./controllers.ts";
import type { LeaderTerms } from "./leader-terms.ts";
import type { Leadership } from "./leadership.ts";
import type { ServedWebhooks } from "./webhook-serving.ts";

export async function stopOperator(parts: {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  logger: Logger;
  leadership: Leadership;
  terms: LeaderTerms;
  controllers: Pick<Controllers, "shutdown">;
  webhooks: ServedWebhooks;
  cache: ClusterCache;
  health: Server;
}): Promise<void> {
  const { config, logger, webhooks } = parts;
  // Admission calls still reach this replica until the webhook Service and the API server's kept-alive
  // connections let go: from the signal on, every answer closes its connection, and the delay counts from here
  // while the Lease is handed over (drains move to another replica at once) and the queues shut down.
  const delayMs = config.shutdownDelaySeconds * 1000;
  if (delayMs > 0) {
    webhooks.server.closeConnectionsAfterEachCall();
    logger.info({ seconds: config.shutdownDelaySeconds }, "serving webhooks until the Service lets go");
  }
  const delay = new Promise((resolve) => setTimeout(resolve, delayMs));
  await parts.leadership.release();
  // No term begins again; the queues take nothing more and the reconciles in progress finish.
  await parts.terms.close();
  await parts.controllers.shutdown();
  await delay;
  webhooks.stopCertificateReload();
  if (config.webhookConfig === "url") {
    // A local operator's URL dies with it: leave nothing behind that points at a closed port.
    await removeWebhookConfigurations(parts.kubeConfig);
  }
  // Stop accepting, answer the calls in flight (they read the caches), and let the removal records of the
  // deletions they denied be written: a denied deletion whose record is lost starts no drain until a retry.
  const graceMs = delayMs > 0 ? 5_000 : 0;
  await webhooks.server.close(graceMs);
  const unwritten = await webhooks.recordsWritten(graceMs);
  if (unwritten > 0) logger.warn({ records: unwritten }, "stopping with removal records unwritten");
  parts.cache.stop();
  await new Promise<void>((resolve) => parts.health.close(() => resolve()));
}
