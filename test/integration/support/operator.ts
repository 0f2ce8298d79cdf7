// Runs the operator in-process against the test control plane (webhooks by URL), and removes its webhooks after.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { destination, pino } from "pino";
import { inject } from "vitest";
import { type OperatorConfig, parseOperatorConfig } from "../../../operator/app/config.ts";
import { type RunningOperator, startOperator } from "../../../operator/app/start-operator.ts";
import type { Logger } from "../../../operator/observability/logger.ts";
import { removeWebhookConfigurations } from "../../../operator/webhooks/index.ts";

export async function startTestOperator(
  kc: KubeConfig,
  overrides: Partial<Record<keyof OperatorConfig, unknown>> = {},
  /** The operator's logger; a debug-level file logger under the cluster dir by default. */
  customLogger?: Logger,
): Promise<RunningOperator> {
  const logDir = join(inject("clusterDir"), "logs");
  mkdirSync(logDir, { recursive: true });
  const logger =
    customLogger ??
    pino(
      { level: "debug", base: { test: true } },
      destination({ dest: join(logDir, "operator.log"), sync: false, append: true }),
    );
  const config = parseOperatorConfig({
    kubeconfig: inject("kubeconfigPath"),
    webhookConfig: "url",
    webhookHost: "127.0.0.1",
    webhookPort: 0,
    healthHost: "127.0.0.1",
    healthPort: 0,
    ...overrides,
  });
  const operator = await startOperator(config, logger);
  return {
    ...operator,
    async stop() {
      await operator.stop();
      await removeWebhookConfigurations(kc);
    },
  };
}
