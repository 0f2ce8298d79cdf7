// Starts the local node agent (the kubelet stand-in from test/harness) against a running control plane.
import { KubeConfig } from "@kubernetes/client-node";

export interface LocalNodes {
  stop(): Promise<void>;
}

export async function startLocalNodes(
  kubeconfigPath: string,
  nodes: number,
  logDir: string,
): Promise<LocalNodes> {
  const { startNodeAgent } = await import("../../test/harness/node-agent/index.ts");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return await startNodeAgent({ kubeConfig, nodes, logDir });
}
