// The scenario steps of the integration suite (test/scenarios) against a cluster where the chart runs the operator.
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import { createNamespace, loadKubeConfig } from "../integration/support/cluster.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import {
  type Apis,
  createApp,
  createPolicy,
  listPods,
  rolloutRestart,
  waitRolloutComplete,
} from "../scenarios/workloads.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const kc = loadKubeConfig();
const apis: Apis = {
  core: kc.makeApiClient(CoreV1Api),
  apps: kc.makeApiClient(AppsV1Api),
  custom: kc.makeApiClient(CustomObjectsApi),
};
const cleanups: (() => Promise<void>)[] = [];
const hasGate = (p: V1Pod) =>
  p.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(kc, prefix);
  cleanups.push(ns.cleanup);
  return ns.name;
}

async function drainReasons(ns: string, pods: readonly V1Pod[]): Promise<string[]> {
  const names = pods.map((p) => p.metadata?.name);
  const events = await apis.core.listNamespacedEvent({ namespace: ns });
  return events.items.filter((e) => names.includes(e.involvedObject.name)).map((e) => e.reason ?? "");
}

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("e2e: the chart's operator", () => {
  it("injects the readiness gate into selected pods only and marks them serving", async () => {
    const ns = await namespace("e2e-gate");
    await createPolicy(apis, "selected", ns, samplePolicySpec("selected"));
    const selected = await createApp(apis, { name: "selected", namespace: ns, replicas: 2 }, 180_000);
    const other = await createApp(apis, { name: "other", namespace: ns, replicas: 1 }, 180_000);
    expect(selected.every(hasGate)).toBe(true);
    expect(other.some(hasGate)).toBe(false);
  });

  it("drains every old pod of a rollout before it is removed", async () => {
    const ns = await namespace("e2e-rollout");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 3, timeoutSeconds: 60 }));
    const before = await createApp(apis, { name: "web", namespace: ns, replicas: 3, grace: 5 }, 180_000);
    await rolloutRestart(apis, ns, "web");
    await waitRolloutComplete(apis, ns, "web", 240_000);
    const after = await listPods(apis, ns, "web");
    expect(after.some((p) => before.some((b) => b.metadata?.name === p.metadata?.name))).toBe(false);
    const reasons = await drainReasons(ns, before);
    expect(reasons.filter((r) => r === "Drained")).toHaveLength(before.length);
    expect(reasons).not.toContain("DrainTimedOut");
  });

  it("kubectl quiesce rollout restart follows the drains to the end", async () => {
    const ns = await namespace("e2e-plugin");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 5 }, 180_000);
    const { stdout } = await promisify(execFile)(
      join(ROOT, "node_modules", ".bin", "node"),
      [
        join(ROOT, "operator", "cli", "kubectl-quiesce.ts"),
        "--kubeconfig",
        inject("kubeconfigPath"),
        "-n",
        ns,
        "rollout",
        "restart",
        "deployment/web",
        "--timeout",
        "4m",
      ],
      { maxBuffer: 8 << 20 },
    );
    expect(stdout).toMatch(/drains 2\/2 done \(2 drained, 0 timed out\)/);
    expect(stdout).toMatch(/deployment "web" successfully rolled out/);
  });
});
