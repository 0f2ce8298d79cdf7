// Starts the local node agent (the kubelet stand-in from test/harness) against a running control plane.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { destination, pino } from "pino";

export interface LocalNodes {
  stop(): Promise<void>;
}

/** The agent logs to `<logDir>/node-agent.log` (one line per pod event), next to the pods' own logs. */
export async function startLocalNodes(
  kubeconfigPath: string,
  nodes: number,
  logDir: string,
): Promise<LocalNodes> {
  const { startNodeAgent } = await import("../../test/harness/node-agent/index.ts");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  mkdirSync(logDir, { recursive: true });
  const logger = pino(
    { name: "node-agent", level: process.env.LOG_LEVEL ?? "info" },
    destination({ dest: join(logDir, "node-agent.log"), append: true, sync: false }),
  );
  return await startNodeAgent({ kubeConfig, nodes, logDir, logger });
}
