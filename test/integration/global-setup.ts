// Starts one real control plane and the local node agent for the whole integration run.
import type { TestProject } from "vitest/node";
import { startEnvironment } from "../harness/environment.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfigPath: string;
    clusterDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const lab = await startEnvironment({ build: false, nodes: 2 });
  project.provide("kubeconfigPath", lab.kubeconfigPath);
  project.provide("clusterDir", lab.dir);
  console.log(`integration control plane: ${lab.plane.server} (run dir ${lab.dir})`);
  return () => lab.stop();
}
