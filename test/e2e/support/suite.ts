// The frame of every e2e file: clients for the e2e cluster, namespaces removed after the file.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { afterAll } from "vitest";
import { createNamespace, loadKubeConfig } from "../../integration/support/cluster.ts";
import type { Apis } from "../../scenarios/workloads.ts";

export interface E2eSuite {
  kc: KubeConfig;
  apis: Apis;
  namespace(prefix: string): Promise<string>;
}

export function e2eSuite(): E2eSuite {
  const kc = loadKubeConfig();
  const apis: Apis = {
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
  };
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    if (process.env.QUIESCE_E2E_KEEP_NAMESPACES === "1") return;
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    kc,
    apis,
    async namespace(prefix) {
      const ns = await createNamespace(kc, prefix);
      cleanups.push(ns.cleanup);
      return ns.name;
    },
  };
}

/** Prints a figure the e2e run reports (collected from the output into the README and docs). */
export function report(what: string, value: unknown): void {
  console.log(`e2e-figure ${what}: ${JSON.stringify(value)}`);
}
