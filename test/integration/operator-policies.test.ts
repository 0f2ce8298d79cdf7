// QuiescePolicy on the real API server: invalid specs rejected with their messages, overlapping policies reported
// on both, status counts and printer columns; and the admission webhooks' latency.
import { request } from "node:https";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GROUP, PLURAL, VERSION } from "../../operator/api/quiesce-policy.ts";
import type { RunningOperator } from "../../operator/app/start-operator.ts";
import { waitFor } from "../harness/wait-for.ts";
import { deleteNamespaceWithoutDrains, percentile, readPolicy, rejection } from "../scenarios/drain-steps.ts";
import { quiescePolicy, samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, makeApis } from "../scenarios/workloads.ts";
import { INVALID_POLICIES } from "../unit/api/invalid-policies.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";
import { startTestOperator } from "./support/operator.ts";

const kc = loadKubeConfig();
const apis = makeApis(kc);
const cleanups: (() => Promise<void>)[] = [];
let operator: RunningOperator;
let tableNamespace: string;

beforeAll(async () => {
  operator = await startTestOperator(kc);
  tableNamespace = await namespace("invalid");
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await operator?.stop();
});

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(kc, prefix);
  cleanups.push(() => deleteNamespaceWithoutDrains(apis, ns.name));
  return ns.name;
}

/** A pod that a policy selects but no node runs (bound to a node that does not exist): admission only. */
function parkedPod(namespace: string, name: string, app = "web"): V1Pod {
  return {
    metadata: { name, namespace, labels: { app } },
    spec: {
      nodeName: "no-such-node",
      containers: [{ name: "app", image: "none", command: ["node", "-e", "0"] }],
    },
  };
}

/** `kubectl get qp`: the API server's Table rendering of the printer columns. */
async function printerTable(namespace: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster in the kubeconfig");
  const url = new URL(`${cluster.server}/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`);
  const options: Parameters<typeof request>[1] = {
    method: "GET",
    headers: { Accept: "application/json;as=Table;g=meta.k8s.io;v=v1" },
  };
  await kc.applyToHTTPSOptions(options);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () =>
        res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode}: ${text}`)),
      );
    });
    req.on("error", reject);
    req.end();
  });
  const table = JSON.parse(body) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  return { columns: table.columnDefinitions.map((c) => c.name), rows: table.rows.map((r) => r.cells) };
}

describe("QuiescePolicy API", () => {
  it("has at least 10 invalid policies to reject", () => {
    expect(INVALID_POLICIES.length).toBeGreaterThanOrEqual(10);
  });

  it.concurrent.each(INVALID_POLICIES)("rejects $name with its message", async (c) => {
    const name = c.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase();
    const refused = await rejection(
      apis.custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: tableNamespace,
        body: quiescePolicy(name, tableNamespace, c.spec as never),
      }),
    );
    expect(refused?.code).toBe(422);
    expect(refused?.message).toContain(c.apiServer);
  });

  it("reports overlapping policies on both, naming the other", async () => {
    const ns = await namespace("overlap");
    await createPolicy(apis, "by-label", ns, samplePolicySpec("web"));
    await createPolicy(apis, "by-expression", ns, {
      ...samplePolicySpec("web"),
      selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] },
    });
    await createPolicy(apis, "other", ns, samplePolicySpec("other"));
    await apis.core.createNamespacedPod({ namespace: ns, body: parkedPod(ns, "web-0") });
    const overlapping = async (policy: string) =>
      await waitFor(
        async () => {
          const p = await readPolicy(apis, ns, policy);
          const c = p.status?.conditions?.find((x) => x.type === "Overlapping");
          if (c?.status === "True") return c;
          throw new Error(`Overlapping on ${policy}: ${JSON.stringify(c)}`);
        },
        { timeoutMs: 15_000, what: `Overlapping True on ${policy}` },
      );
    const [a, b] = await Promise.all([overlapping("by-label"), overlapping("by-expression")]);
    expect(a.reason).toBe("PodsSelectedByOtherPolicies");
    expect(a.message).toContain("by-expression");
    expect(b.message).toContain("by-label");
    const other = await readPolicy(apis, ns, "other");
    expect(other.status?.conditions?.find((x) => x.type === "Overlapping")?.status).toBe("False");
  });

  it("keeps status counts and printer columns current", async () => {
    const ns = await namespace("status");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds: 90 }));
    await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    const status = await waitFor(
      async () => {
        const p = await readPolicy(apis, ns, "web");
        const s = p.status;
        // The Deployment's own status (ready replicas) lags its pods by a sync: wait for both.
        const rolledOut = s?.rollouts?.[0]?.ready === 2;
        if (
          s?.pods?.matched === 2 &&
          s.pods.serving === 2 &&
          rolledOut &&
          s.observedGeneration === p.metadata.generation
        )
          return s;
        throw new Error(`status: ${JSON.stringify(s)}`);
      },
      { timeoutMs: 20_000, what: "status counting 2 matched, 2 serving, 2 ready" },
    );
    expect(status.pods?.quiescing).toBe(0);
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      reason: "Active",
      message: "gating removal of 2 pods",
    });
    expect(status.rollouts).toEqual([{ name: "web", updated: 2, ready: 2, total: 2 }]);
    const table = await printerTable(ns);
    expect(table.columns).toEqual(["Name", "Mode", "Matched", "Serving", "Quiescing", "Timeout", "Age"]);
    expect(table.rows).toHaveLength(1);
    expect(table.rows[0]?.slice(0, 6)).toEqual(["web", "Enforce", 2, 2, 0, 90]);
  });

  it("measures admission webhook latency (pod CREATE mutation, pod DELETE gate)", async () => {
    const ns = await namespace("latency");
    await createPolicy(apis, "web", ns, samplePolicySpec("web"));
    await waitFor(async () => (await readPolicy(apis, ns, "web")).status !== undefined, {
      timeoutMs: 10_000,
      what: "the policy seen by the operator",
    });
    const before = await webhookBuckets();
    const create: number[] = [];
    const remove: number[] = [];
    const count = 60;
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const pod = await apis.core.createNamespacedPod({ namespace: ns, body: parkedPod(ns, `web-${i}`) });
      create.push(performance.now() - t0);
      expect(pod.spec?.readinessGates?.[0]?.conditionType).toBe("quiesce.dev/serving");
    }
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      // Not running: the gate allows it (nothing to drain) after reading the pod.
      await apis.core.deleteNamespacedPod({ namespace: ns, name: `web-${i}`, gracePeriodSeconds: 0 });
      remove.push(performance.now() - t0);
    }
    const served = quantiles(before, await webhookBuckets());
    for (const hook of ["mutate-pods", "validate-pod-deletion"]) {
      expect(served[hook]?.count ?? 0).toBeGreaterThanOrEqual(count);
    }
    const ms = (v: number) => Math.round(v * 10) / 10;
    console.log(
      JSON.stringify({
        measure: "admission-webhook-latency",
        pods: count,
        apiCreatePodMs: { p50: ms(percentile(create, 50)), p99: ms(percentile(create, 99)) },
        apiDeletePodMs: { p50: ms(percentile(remove, 50)), p99: ms(percentile(remove, 99)) },
        operatorHistogramSeconds: served,
      }),
    );
  });
});

type Buckets = Map<string, { le: number; count: number }[]>;

/** The operator's webhook latency histogram: cumulative bucket counts per webhook (summed over results). */
async function webhookBuckets(): Promise<Buckets> {
  const metrics = await operator.metrics.registry.getMetricsAsJSON();
  const metric = metrics.find((m) => m.name === "quiesce_webhook_request_duration_seconds");
  const values = (metric?.values ?? []) as {
    labels: Record<string, string | number>;
    value: number;
    metricName?: string;
  }[];
  const buckets: Buckets = new Map();
  for (const v of values) {
    if (!v.metricName?.endsWith("_bucket")) continue;
    const hook = String(v.labels.webhook);
    const le = v.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    const list = buckets.get(hook) ?? [];
    const existing = list.find((b) => b.le === le);
    if (existing) existing.count += v.value;
    else list.push({ le, count: v.value });
    buckets.set(hook, list);
  }
  return buckets;
}

/** Count and p50/p99 (bucket upper bounds, seconds) of the observations between two histogram readings. */
function quantiles(
  before: Buckets,
  after: Buckets,
): Record<string, { count: number; p50: number; p99: number }> {
  const out: Record<string, { count: number; p50: number; p99: number }> = {};
  for (const [hook, list] of after) {
    const diff = list
      .map((b) => ({ le: b.le, count: b.count - (before.get(hook)?.find((x) => x.le === b.le)?.count ?? 0) }))
      .sort((a, b) => a.le - b.le);
    const total = diff.at(-1)?.count ?? 0;
    const q = (p: number) => diff.find((b) => b.count >= total * p)?.le ?? Number.NaN;
    out[hook] = { count: total, p50: q(0.5), p99: q(0.99) };
  }
  return out;
}
