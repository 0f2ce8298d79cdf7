// Starts one real control plane and the local node agent for the whole integration run.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startControlPlane } from "../../hack/cluster/control-plane.ts";
import { installCrds } from "../../hack/cluster/crds.ts";
import { startLocalNodes } from "../../hack/cluster/nodes.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfigPath: string;
    clusterDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const plane = await startControlPlane({ build: false });
  let nodes: Awaited<ReturnType<typeof startLocalNodes>> | undefined;
  try {
    const podLogs = join(plane.dir, "pods");
    await mkdir(podLogs, { recursive: true });
    nodes = await startLocalNodes(plane.kubeconfigPath, 2, podLogs);
    await installCrds(plane.kubeconfigPath);
  } catch (error) {
    await plane.stop();
    throw error;
  }
  project.provide("kubeconfigPath", plane.kubeconfigPath);
  project.provide("clusterDir", plane.dir);
  console.log(`integration control plane: ${plane.server} (run dir ${plane.dir})`);
  return async () => {
    await nodes?.stop();
    await plane.stop();
  };
}
