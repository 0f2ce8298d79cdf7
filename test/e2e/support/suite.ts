// The frame of every e2e file: clients for the e2e cluster, and namespaces removed (policies first, so their pods
// go without drains) when the file ends.
import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll } from "vitest";
import { createNamespace, loadKubeConfig } from "../../integration/support/cluster.ts";
import { deleteNamespaceWithoutDrains } from "../../scenarios/drain-steps.ts";
import { type Apis, makeApis } from "../../scenarios/workloads.ts";

export interface E2eSuite {
  kc: KubeConfig;
  apis: Apis;
  namespace(prefix: string): Promise<string>;
}

export function e2eSuite(): E2eSuite {
  const kc = loadKubeConfig();
  const apis = makeApis(kc);
  const namespaces: string[] = [];
  afterAll(async () => {
    if (process.env.QUIESCE_E2E_KEEP_NAMESPACES === "1") return;
    for (const ns of namespaces.splice(0).reverse()) await deleteNamespaceWithoutDrains(apis, ns);
  });
  return {
    kc,
    apis,
    async namespace(prefix) {
      const ns = await createNamespace(kc, prefix);
      namespaces.push(ns.name);
      return ns.name;
    },
  };
}

/** Prints a figure the e2e run reports (`e2e-figure WHAT: JSON` lines; docs/benchmarks.md quotes them). */
export function report(what: string, value: unknown): void {
  console.log(`e2e-figure ${what}: ${JSON.stringify(value)}`);
}

/** Reports a load pod's totals (sent, retried, failed and why), after the scenario's own figures. */
export function reportLoad(
  what: string,
  tally: { sent: number; retriedOnClosedConnection: number; failed: number; failuresByReason: unknown },
  figures: Record<string, unknown> = {},
): void {
  report(what, {
    ...figures,
    sent: tally.sent,
    retried: tally.retriedOnClosedConnection,
    failed: tally.failed,
    reasons: tally.failuresByReason,
  });
}
