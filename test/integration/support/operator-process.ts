// The operator as its own process (the CLI, through the harness launcher), so a test can SIGKILL it; logs in the run dir.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { removeWebhookConfigurations } from "../../../operator/webhooks/index.ts";
import { startOperatorProcess as launch, type OperatorProcess } from "../../harness/operator-process.ts";

export type { OperatorProcess };
let started = 0;

/** Starts `quiesce-operator run` (debug log) and waits until its webhooks are installed and its caches synced. */
export async function startOperatorProcess(timeoutMs = 30_000): Promise<OperatorProcess> {
  const logDir = join(inject("clusterDir"), "logs");
  mkdirSync(logDir, { recursive: true });
  return await launch({
    kubeconfigPath: inject("kubeconfigPath"),
    logFile: join(logDir, `operator-process-${process.pid}-${++started}.log`),
    args: ["--log-level=debug"],
    readyTimeoutMs: timeoutMs,
  });
}

/** Removes the webhook configurations a killed operator left behind (failurePolicy Ignore would hide them). */
export async function deleteWebhookConfigurations(kc: KubeConfig): Promise<void> {
  await removeWebhookConfigurations(kc);
}
