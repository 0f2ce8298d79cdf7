// The e2e cluster: QUIESCE_E2E_PROVIDER=existing (default; QUIESCE_E2E_KUBECONFIG, e.g. hack/e2e.sh's kind) or
// k3s (testcontainers). Installs the chart with helm, then provides the same keys as the integration setup.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { operatorImage, SAMPLE_APP_IMAGE } from "./images.ts";
import { installChart } from "./install-chart.ts";
import { existingCluster } from "./providers/existing.ts";
import type { ClusterProvider } from "./providers/provider.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfigPath: string;
    clusterDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const kind = process.env.QUIESCE_E2E_PROVIDER ?? "existing";
  let cluster: ClusterProvider;
  if (kind === "k3s") {
    const { k3sCluster } = await import("./providers/k3s.ts");
    cluster = await k3sCluster([operatorImage, SAMPLE_APP_IMAGE]);
  } else if (kind === "existing") {
    cluster = await existingCluster(process.env.QUIESCE_E2E_KUBECONFIG);
  } else {
    throw new Error(`e2e: unknown QUIESCE_E2E_PROVIDER "${kind}" (existing | k3s)`);
  }
  try {
    if (process.env.QUIESCE_E2E_SKIP_INSTALL !== "1") await installChart(cluster.kubeconfigPath);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  project.provide("kubeconfigPath", cluster.kubeconfigPath);
  project.provide("clusterDir", await mkdtemp(join(tmpdir(), "quiesce-e2e-")));
  console.log(`e2e cluster: ${cluster.name} (${cluster.kubeconfigPath})`);
  return async () => {
    await cluster.stop();
  };
}
