// Every workload kind and removal path under load on the real control plane, 0 failed requests each: a StatefulSet
// rolling update (OrderedReady), a DaemonSet rolling update across both nodes, `kubectl drain` of a node holding
// three pods of one Deployment under a PodDisruptionBudget, and a bare pod deleted by hand.
import { PolicyV1Api, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { type RequestOutcome, startLoad, startTrafficClient, summarize } from "../harness/traffic/index.ts";
import { waitFor } from "../harness/wait-for.ts";
import { deletePod, podEvents, waitPodRemoved } from "../scenarios/drain-steps.ts";
import { APP_PORT, appPodTemplate, appService, samplePolicySpec } from "../scenarios/manifests.ts";
import {
  createDaemonSetApp,
  createStatefulSetApp,
  drainNodeOf,
  restartWorkload,
  setUnschedulable,
  waitWorkloadRolledOut,
} from "../scenarios/workload-kinds.ts";
import {
  createApp,
  createPolicy,
  isReady,
  listPods,
  nameOf,
  rolloutRestart,
  uidOf,
  waitRolloutComplete,
} from "../scenarios/workloads.ts";
import { operatorSuite } from "./support/operator-suite.ts";

const { kc, apis, namespace } = operatorSuite();
const NODES = ["local-node-0", "local-node-1"];
// Open loop: a closed loop would spin when no endpoint is left (a bare pod's Service after it went).
const SHORT = { mix: [{ path: "/work?ms=20", weight: 1 }], ratePerSecond: 40, durationMs: 600_000 };
const LONG = {
  mix: [{ path: "/work?ms=4000", weight: 1, class: "long" as const }],
  ratePerSecond: 2,
  durationMs: 600_000,
};

/** Runs `act` under load through the traffic client (1 s propagation delay); returns every outcome. */
async function underLoad(ns: string, act: () => Promise<void>): Promise<RequestOutcome[]> {
  const client = await startTrafficClient({
    kubeConfig: kc,
    namespace: ns,
    service: "web",
    port: APP_PORT,
    propagationDelayMs: 1000,
  });
  try {
    await new Promise((r) => setTimeout(r, 1500)); // the client has seen every endpoint
    const loads = [startLoad(client.send, SHORT), startLoad(client.send, LONG)];
    await new Promise((r) => setTimeout(r, 3000)); // long work in flight on every pod
    await act();
    return (await Promise.all(loads.map((l) => l.stop()))).flat();
  } finally {
    await client.stop();
  }
}

/** The drains' Events across the pods (pod names repeat in a StatefulSet, so by reason only). */
async function drainReasons(ns: string, pods: readonly V1Pod[]): Promise<string[]> {
  const events = await Promise.all(pods.map((p) => podEvents(apis, ns, nameOf(p))));
  return events.flat().map((e) => e.reason ?? "");
}

function expectNothingLost(outcomes: RequestOutcome[], what: string): void {
  const summary = summarize(outcomes);
  console.log(JSON.stringify({ [what]: { sent: summary.sent, failed: summary.failed } }));
  expect(summary.byClass.long.sent).toBeGreaterThan(0);
  expect(summary.failuresByReason).toEqual({});
  expect(summary.failed).toBe(0);
}

describe.concurrent("workload kinds and removal paths", () => {
  it("a StatefulSet rolling update (OrderedReady, 3 replicas) drains each pod in turn", async () => {
    const ns = await namespace("sts");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const old = await createStatefulSetApp(apis, { name: "web", namespace: ns, replicas: 3, grace: 30 });
    const outcomes = await underLoad(ns, async () => {
      await restartWorkload(apis, "StatefulSet", ns, "web");
      await waitWorkloadRolledOut(apis, "StatefulSet", ns, "web", 120_000);
    });
    expectNothingLost(outcomes, "statefulset");
    const reasons = await drainReasons(ns, old);
    expect(reasons.filter((r) => r === "Drained").length).toBeGreaterThanOrEqual(3);
    expect(reasons).not.toContain("DrainTimedOut");
    const now = await listPods(apis, ns, "web");
    expect(now.every((p) => !old.some((o) => uidOf(o) === uidOf(p)))).toBe(true);
  });

  it("a StatefulSet with a partition updates only the pods above it, each drained", async () => {
    const ns = await namespace("sts-part");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const old = await createStatefulSetApp(apis, {
      name: "web",
      namespace: ns,
      replicas: 3,
      grace: 30,
      podManagementPolicy: "Parallel",
      partition: 1,
    });
    const outcomes = await underLoad(ns, async () => {
      await restartWorkload(apis, "StatefulSet", ns, "web");
      await waitFor(
        async () => {
          const s = await apis.apps.readNamespacedStatefulSet({ name: "web", namespace: ns });
          const pods = await listPods(apis, ns, "web");
          return s.status?.updatedReplicas === 2 && pods.length === 3 && pods.every(isReady);
        },
        { timeoutMs: 120_000, what: "web-1 and web-2 updated and ready" },
      );
    });
    expectNothingLost(outcomes, "statefulset partition");
    const now = await listPods(apis, ns, "web");
    const kept = old.find((p) => nameOf(p) === "web-0");
    expect(now.some((p) => uidOf(p) === uidOf(kept ?? p) && nameOf(p) === "web-0")).toBe(true);
    const reasons = await drainReasons(
      ns,
      old.filter((p) => nameOf(p) !== "web-0"),
    );
    expect(reasons.filter((r) => r === "Drained").length).toBe(2);
  });

  it("a DaemonSet with maxSurge 1 starts the new pod beside the old one, then drains the old", async () => {
    const ns = await namespace("ds-surge");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const app = { name: "web", namespace: ns, replicas: 0, grace: 30, maxSurge: 1, maxUnavailable: 0 };
    const old = await createDaemonSetApp(apis, app, 2);
    const outcomes = await underLoad(ns, async () => {
      await restartWorkload(apis, "DaemonSet", ns, "web");
      await waitWorkloadRolledOut(apis, "DaemonSet", ns, "web", 120_000);
    });
    expectNothingLost(outcomes, "daemonset surge");
    expect((await drainReasons(ns, old)).filter((r) => r === "Drained").length).toBe(2);
  });

  it("a Deployment with the Recreate strategy drains every old pod before the new ones start", async () => {
    const ns = await namespace("recreate");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 1, timeoutSeconds: 60 }));
    const old = await createApp(apis, {
      name: "web",
      namespace: ns,
      replicas: 2,
      grace: 30,
      strategy: "Recreate",
    });
    const outcomes = await underLoad(ns, async () => {
      await rolloutRestart(apis, ns, "web");
      await waitRolloutComplete(apis, ns, "web", 120_000);
    });
    // Recreate means downtime by choice: requests that find no endpoint are not lost work. Work the old pods had
    // accepted is not cut.
    const served = outcomes.filter((o) => o.endpoint !== undefined);
    expect(served.filter((o) => !o.ok)).toEqual([]);
    expect(served.filter((o) => o.class === "long").length).toBeGreaterThan(0);
    expect((await drainReasons(ns, old)).filter((r) => r === "Drained").length).toBe(2);
  });

  it("a DaemonSet rolling update across both nodes drains each node's pod", async () => {
    const ns = await namespace("ds");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const old = await createDaemonSetApp(apis, { name: "web", namespace: ns, replicas: 0, grace: 30 }, 2);
    expect(new Set(old.map((p) => p.spec?.nodeName))).toEqual(new Set(NODES));
    const outcomes = await underLoad(ns, async () => {
      await restartWorkload(apis, "DaemonSet", ns, "web");
      await waitWorkloadRolledOut(apis, "DaemonSet", ns, "web", 120_000);
    });
    expectNothingLost(outcomes, "daemonset");
    const reasons = await drainReasons(ns, old);
    expect(reasons.filter((r) => r === "Drained").length).toBe(2);
  });

  it("a bare pod deleted by hand is drained, then removed", async () => {
    const ns = await namespace("bare");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 1, timeoutSeconds: 60 }));
    await apis.core.createNamespacedService({
      namespace: ns,
      body: appService({ name: "web", namespace: ns }),
    });
    const template = appPodTemplate({ name: "web", namespace: ns, replicas: 1, grace: 30 });
    await apis.core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { ...template.metadata, name: "web-bare", namespace: ns }, spec: template.spec },
    });
    const pod = await waitFor(async () => (await listPods(apis, ns, "web")).find(isReady), {
      timeoutMs: 30_000,
      what: "the bare pod Ready",
    });
    const outcomes = await underLoad(ns, async () => {
      expect((await deletePod(apis, ns, nameOf(pod)))?.code).toBe(403);
      await waitPodRemoved(apis, ns, nameOf(pod), uidOf(pod), 60_000);
    });
    // A bare pod has no replacement: requests after it left the endpoints find none, and are not counted lost.
    const sentToPod = outcomes.filter((o) => o.endpoint !== undefined);
    expect(sentToPod.filter((o) => !o.ok)).toEqual([]);
    expect((await drainReasons(ns, [pod])).filter((r) => r === "Drained")).toHaveLength(1);
  });
});

// Cordons whole nodes: run alone, after the workloads above, so no other test's pods are placed or replaced while
// a node is unschedulable (a DaemonSet rollout beside it once hung until the test timeout).
describe("a node drain", () => {
  it("kubectl drain of a node with three pods under a PodDisruptionBudget: every pod drained and evicted, nothing stuck", async () => {
    const ns = await namespace("node-drain");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    await kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } },
      },
    });
    // Three pods on node 0: the other node is cordoned while they are placed.
    const [drained, other] = NODES as [string, string];
    await setUnschedulable(apis, other, true);
    let pods: V1Pod[];
    try {
      pods = await createApp(apis, { name: "web", namespace: ns, replicas: 3, grace: 30, maxSurge: 1 });
    } finally {
      await setUnschedulable(apis, other, false);
    }
    expect(pods.every((p) => p.spec?.nodeName === drained)).toBe(true);
    let calls = 0;
    const outcomes = await underLoad(ns, async () => {
      await setUnschedulable(apis, drained, true);
      try {
        calls = await drainNodeOf(apis, ns, "web", drained, 180_000);
        await waitFor(
          async () => {
            const now = await listPods(apis, ns, "web");
            return now.length === 3 && now.every((p) => isReady(p) && p.spec?.nodeName === other);
          },
          { timeoutMs: 60_000, what: "three ready pods on the other node" },
        );
      } finally {
        await setUnschedulable(apis, drained, false);
      }
    });
    expectNothingLost(outcomes, "node drain");
    console.log(JSON.stringify({ nodeDrain: { evictionCalls: calls } }));
    const reasons = await drainReasons(ns, pods);
    expect(reasons.filter((r) => r === "Drained").length).toBe(3);
    expect(reasons).not.toContain("DrainTimedOut");
  });
});
