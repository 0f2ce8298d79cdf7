// The serving gate is on every pod's start-up path: measure, over 100 pods, how long after their containers are
// ready the operator sets quiesce.dev/serving=True (seen on one watch stream, so both times share a clock).
import { type V1Pod, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import type { RunningOperator } from "../../operator/app/start-operator.ts";
import { waitFor } from "../harness/wait-for.ts";
import { deleteNamespaceWithoutDrains, percentile, scaleDeployment } from "../scenarios/drain-steps.ts";
import { createPolicy, makeApis } from "../scenarios/workloads.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";
import { startTestOperator } from "./support/operator.ts";

const kc = loadKubeConfig();
const apis = makeApis(kc);
const PODS = 100;
const WAVE = 20;
let operator: RunningOperator;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  operator = await startTestOperator(kc);
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await operator?.stop();
});

const condition = (pod: V1Pod, type: string) =>
  pod.status?.conditions?.find((c) => c.type === type)?.status === "True";

describe("serving gate latency", () => {
  // The target is 200 ms p99; on this 2-core machine it measures 29-50 ms p50 and 164-351 ms p99 depending on
  // what else runs (docs/benchmarks.md). The assertion is a regression bound, not the benchmark.
  it(`sets the serving condition soon after containers are ready, over ${PODS} pods`, async () => {
    const ns = await createNamespace(kc, "gate-latency");
    await createPolicy(apis, "light", ns.name, {
      selector: { matchLabels: { app: "light" } },
      drain: { timeoutSeconds: 30, settleSeconds: 1 },
    });
    const containersReadyAt = new Map<string, number>();
    const servingAt = new Map<string, number>();
    const gated = new Set<string>();
    const watch = await new Watch(kc).watch(
      `/api/v1/namespaces/${ns.name}/pods`,
      {},
      (_type: string, pod: V1Pod) => {
        const name = pod.metadata?.name ?? "";
        const now = performance.now();
        if (pod.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION)) gated.add(name);
        if (condition(pod, "ContainersReady") && !containersReadyAt.has(name))
          containersReadyAt.set(name, now);
        if (condition(pod, SERVING_CONDITION) && !servingAt.has(name)) servingAt.set(name, now);
      },
      () => undefined,
    );
    cleanups.push(async () => watch.abort());
    // Cheap pods: a sleeping process each (no HTTP needed to measure the gate), started in waves of WAVE so the
    // figure is the gate's latency on a pod's start-up path, not the time to work off a burst of 100.
    await apis.apps.createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: "light" },
        spec: {
          replicas: WAVE,
          selector: { matchLabels: { app: "light" } },
          template: {
            metadata: { labels: { app: "light" } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{ name: "sleep", image: "busybox", command: ["sleep", "3600"] }],
            },
          },
        },
      },
    });
    for (let replicas = WAVE; ; replicas += WAVE) {
      await waitFor(() => servingAt.size >= replicas, {
        timeoutMs: 60_000,
        what: `${replicas} pods serving (${containersReadyAt.size} with containers ready, ${gated.size} gated)`,
        intervalMs: 100,
      });
      if (replicas >= PODS) break;
      await scaleDeployment(apis, ns.name, "light", replicas + WAVE);
    }
    expect(gated.size).toBe(PODS);
    const latencies = [...servingAt].map(([name, at]) => at - (containersReadyAt.get(name) ?? at));
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      JSON.stringify({
        measure: "gate-latency",
        pods: PODS,
        p50Ms: Math.round(p50),
        p99Ms: Math.round(p99),
        maxMs: Math.round(Math.max(...latencies)),
      }),
    );
    expect(p50).toBeLessThan(200);
    expect(p99).toBeLessThan(1000);
    // Policies first: the 100 pods then go without being drained one at a time.
    await deleteNamespaceWithoutDrains(apis, ns.name);
  });
});
