// The operator on the real control plane: gate injection, the serving condition, and a zero-loss rollout under load
// (with the same rollout without a policy losing requests, so the test can fail).
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import { startLoad, startTrafficClient, summarize } from "../harness/traffic/index.ts";
import { APP_PORT, samplePolicySpec } from "../scenarios/manifests.ts";
import {
  createApp,
  createPolicy,
  listPods,
  rolloutRestart,
  waitRolloutComplete,
} from "../scenarios/workloads.ts";
import { operatorSuite } from "./support/operator-suite.ts";

const { kc, apis, namespace, metricsText } = operatorSuite();
const hasGate = (p: V1Pod) =>
  p.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;

const LOAD_MIX = [
  { path: "/work?ms=50", weight: 85, class: "short" as const },
  { path: "/work?ms=10000", weight: 15, class: "long" as const },
];

async function rolloutUnderLoad(ns: string, app: string) {
  const client = await startTrafficClient({
    kubeConfig: kc,
    namespace: ns,
    service: app,
    port: APP_PORT,
    propagationDelayMs: 1000,
  });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the client has seen every endpoint (propagation delay)
    const load = startLoad(client.send, { mix: LOAD_MIX, concurrency: 12, durationMs: 600_000 });
    await new Promise((r) => setTimeout(r, 3000)); // long requests are in flight on every pod
    const started = Date.now();
    await rolloutRestart(apis, ns, app);
    await waitRolloutComplete(apis, ns, app, 150_000);
    const rolloutMs = Date.now() - started;
    const outcomes = await load.stop();
    return { summary: summarize(outcomes), rolloutMs };
  } finally {
    await client.stop();
  }
}

describe("operator", () => {
  it("injects the readiness gate only into selected pods and sets the serving condition", async () => {
    const ns = await namespace("gate");
    await createPolicy(apis, "selected", ns, samplePolicySpec("selected"));
    const selected = await createApp(apis, { name: "selected", namespace: ns, replicas: 2 });
    const other = await createApp(apis, { name: "other", namespace: ns, replicas: 1 });
    expect(selected.every(hasGate)).toBe(true);
    expect(other.some(hasGate)).toBe(false);
    for (const pod of selected) {
      const gate = pod.status?.conditions?.find((c) => c.type === SERVING_CONDITION);
      expect(gate?.status).toBe("True");
    }
  });

  it("rolls a Deployment under load without losing a request; without a policy the same rollout loses some", async () => {
    const ns = await namespace("rollout");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 5, timeoutSeconds: 60 }));
    const before = await createApp(apis, { name: "web", namespace: ns, replicas: 4, grace: 5 });
    expect(before.every(hasGate)).toBe(true);
    const withPolicy = await rolloutUnderLoad(ns, "web");
    const after = await listPods(apis, ns, "web");
    expect(after.map((p) => p.metadata?.name).some((n) => before.some((b) => b.metadata?.name === n))).toBe(
      false,
    );
    expect(withPolicy.summary.byClass.long.sent).toBeGreaterThan(0);
    expect(withPolicy.summary.failuresByReason).toEqual({});
    expect(withPolicy.summary.failed).toBe(0);
    // Each of the 4 drains observed the app's first answer to its quiesce (the dashboard's in-flight panel).
    const count = /^quiesce_drain_in_flight_at_start_count (\d+)$/m.exec(await metricsText())?.[1];
    expect(Number(count)).toBeGreaterThanOrEqual(before.length);

    const naiveNs = await namespace("naive");
    await createApp(apis, { name: "web", namespace: naiveNs, replicas: 4, grace: 5 });
    const naive = await rolloutUnderLoad(naiveNs, "web");
    console.log(
      JSON.stringify({
        operator: {
          sent: withPolicy.summary.sent,
          failed: withPolicy.summary.failed,
          rolloutMs: withPolicy.rolloutMs,
        },
        naive: {
          sent: naive.summary.sent,
          failed: naive.summary.failed,
          reasons: naive.summary.failuresByReason,
          rolloutMs: naive.rolloutMs,
        },
      }),
    );
    expect(naive.summary.failed).toBeGreaterThan(0);
  });
});
