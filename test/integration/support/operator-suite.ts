// The common frame of an operator test file: API clients, one in-process operator for the file, and namespaces
// that are removed (policies first, so their pods go without drains) when the file ends.
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll } from "vitest";
import type { RunningOperator } from "../../../operator/app/start-operator.ts";
import { deleteNamespaceWithoutDrains } from "../../scenarios/drain-steps.ts";
import { type Apis, makeApis } from "../../scenarios/workloads.ts";
import { createNamespace, loadKubeConfig } from "./cluster.ts";
import { startTestOperator } from "./operator.ts";

export interface OperatorSuite {
  kc: KubeConfig;
  apis: Apis;
  /** A fresh namespace for one test. */
  namespace(prefix: string): Promise<string>;
  /** The file's operator's /metrics text. */
  metricsText(): Promise<string>;
}

export function operatorSuite(): OperatorSuite {
  const kc = loadKubeConfig();
  const apis = makeApis(kc);
  const namespaces: string[] = [];
  let operator: RunningOperator | undefined;
  beforeAll(async () => {
    operator = await startTestOperator(kc);
  });
  afterAll(async () => {
    for (const ns of namespaces.splice(0).reverse()) await deleteNamespaceWithoutDrains(apis, ns);
    await operator?.stop();
  });
  return {
    kc,
    apis,
    async metricsText() {
      if (!operator) throw new Error("the suite's operator has not started");
      return await operator.metrics.registry.metrics();
    },
    async namespace(prefix) {
      const ns = await createNamespace(kc, prefix);
      namespaces.push(ns.name);
      return ns.name;
    },
  };
}
