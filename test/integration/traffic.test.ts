// The kube-proxy-like traffic client on the real control plane: it follows EndpointSlices with a propagation delay,
// reaches every ready pod, and records every request, including the ones that find no endpoint.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { applyFixture } from "../harness/fixtures.ts";
import { startLoad, startTrafficClient, summarize, type TrafficClient } from "../harness/traffic/index.ts";
import { waitFor } from "../harness/wait-for.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";

const kc = loadKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const isReady = (p: V1Pod) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";

async function webNamespace(prefix: string): Promise<string> {
  const ns = await createNamespace(kc, prefix);
  cleanups.push(ns.cleanup);
  await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: ns.name }), {
    timeoutMs: 30_000,
    what: "default service account",
  });
  await applyFixture(kc, "web.yaml", ns.name);
  await waitFor(
    async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns.name, labelSelector: "app=web" })).items;
      return pods.length === 3 && pods.every(isReady);
    },
    { timeoutMs: 60_000, what: "3 ready web pods" },
  );
  return ns.name;
}

async function client(namespace: string, propagationDelayMs?: number): Promise<TrafficClient> {
  const c = await startTrafficClient({
    kubeConfig: kc,
    namespace,
    service: "web",
    port: 8080,
    keepBodies: true,
    ...(propagationDelayMs !== undefined ? { propagationDelayMs } : {}),
  });
  cleanups.push(() => c.stop());
  return c;
}

const scale = (namespace: string, replicas: number) =>
  apps.patchNamespacedDeploymentScale(
    { name: "web", namespace, body: { spec: { replicas } } },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );

describe("traffic client", () => {
  it("follows the ready endpoints and reaches all 3 pods round-robin", async () => {
    const ns = await webNamespace("traffic-rr");
    const c = await client(ns, 0);
    await waitFor(() => c.endpoints().length === 3, { timeoutMs: 30_000, what: "3 endpoints in the client" });
    const outcomes = [];
    for (let i = 0; i < 9; i++) outcomes.push(await c.send("/work?ms=1"));
    expect(outcomes.every((o) => o.ok && o.status === 200)).toBe(true);
    const pods = new Set(outcomes.map((o) => JSON.parse(o.body ?? "{}").pod));
    expect(pods.size).toBe(3);
    expect(summarize(outcomes).byEndpoint).toEqual(Object.fromEntries(c.endpoints().map((e) => [e, 3])));
  });

  it("applies a slice change only after the propagation delay", async () => {
    const ns = await webNamespace("traffic-delay");
    const c = await client(ns, 1500);
    await waitFor(() => c.endpoints().length === 3, { timeoutMs: 30_000, what: "3 endpoints" });
    await scale(ns, 2);
    await waitFor(() => c.endpoints().length === 2, {
      timeoutMs: 30_000,
      what: "2 endpoints after scale-down",
    });
    const change = c.follower.history.at(-1);
    expect(change?.endpoints).toHaveLength(2);
    expect((change?.appliedAt ?? 0) - (change?.observedAt ?? 0)).toBeGreaterThanOrEqual(1490);
  });

  it("runs a bounded load with a request mix and counts no-endpoint requests as failures", async () => {
    const ns = await webNamespace("traffic-load");
    const c = await client(ns, 200);
    await waitFor(() => c.endpoints().length === 3, { timeoutMs: 30_000, what: "3 endpoints" });
    const t0 = Date.now();
    const outcomes = await startLoad(c.send, {
      mix: [
        { path: "/work?ms=20", weight: 90 },
        { path: "/work?ms=300", weight: 10, class: "long" },
      ],
      concurrency: 8,
      durationMs: 2000,
    }).done;
    const elapsed = Date.now() - t0;
    const summary = summarize(outcomes);
    console.log(
      `load: ${summary.sent} requests in ${elapsed} ms, p50 ${summary.latencyMs.p50} ms, p99 ${summary.latencyMs.p99} ms`,
    );
    expect(elapsed).toBeLessThan(4000);
    expect(summary.failed).toBe(0);
    expect(summary.sent).toBeGreaterThan(100);
    expect(summary.byClass.long.sent).toBeGreaterThan(0);
    expect(Object.keys(summary.byEndpoint)).toHaveLength(3);

    await scale(ns, 0);
    await waitFor(() => c.endpoints().length === 0, {
      timeoutMs: 30_000,
      what: "no endpoints after scale to 0",
    });
    const empty = summarize(
      await startLoad(c.send, { mix: [{ path: "/work?ms=1", weight: 1 }], concurrency: 2, maxRequests: 10 })
        .done,
    );
    expect(empty).toMatchObject({ sent: 10, ok: 0, failed: 10, failuresByReason: { "no-endpoints": 10 } });
  });
});
