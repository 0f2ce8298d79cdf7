// Faults and operations around the operator itself during rollouts under load: its leader pod deleted, a helm
// upgrade to a new image, and `kubectl drain` of the worker node under a PodDisruptionBudget (which moves operator
// and app pods alike).
import { PolicyV1Api, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { waitFor } from "../harness/wait-for.ts";
import { listPods, nameOf, rolloutRestart, waitRolloutComplete } from "../scenarios/workloads.ts";
import { OPERATOR_IMAGE } from "./images.ts";
import { installChart, RELEASE_NAMESPACE } from "./install-chart.ts";
import { drainedCount, expectDrained } from "./support/events.ts";
import { kubectl } from "./support/kubectl.ts";
import { leaderIdentity, operatorPods, webhookFailures } from "./support/operator.ts";
import { e2eSuite, report } from "./support/suite.ts";
import { controlPlaneNode, webPolicy, webUnderLoad } from "./support/web-under-load.ts";

const { kc, apis, namespace } = e2eSuite();

async function waitFirstDrained(ns: string, pods: readonly V1Pod[]): Promise<void> {
  await waitFor(async () => (await drainedCount(apis, ns, pods)) >= 1, {
    timeoutMs: 120_000,
    what: "the rollout's first pod drained",
    intervalMs: 250,
  });
}

describe("e2e: the operator disrupted mid-rollout", () => {
  it("the leader pod deleted mid-rollout: the other replica takes over, nothing is lost", async () => {
    const ns = await namespace("e2e-leader");
    const { pods, load } = await webUnderLoad(apis, ns, { replicas: 3, policy: webPolicy() });
    await rolloutRestart(apis, ns, "web");
    await waitFirstDrained(ns, pods);
    const leader = await leaderIdentity(kc);
    expect((await operatorPods(apis)).map(nameOf)).toContain(leader);
    const killedAt = Date.now();
    await kubectl(["-n", RELEASE_NAMESPACE, "delete", "pod", leader, "--wait=false"]);
    const next = await waitFor(
      async () => {
        const holder = await leaderIdentity(kc);
        return holder !== "" && holder !== leader ? holder : undefined;
      },
      { timeoutMs: 60_000, what: "a new leader", intervalMs: 250 },
    );
    const takeoverSeconds = (Date.now() - killedAt) / 1000;
    await waitRolloutComplete(apis, ns, "web", 300_000);
    const tally = await load.stop();
    report("leader deleted mid-rollout", {
      takeoverSeconds,
      newLeader: next,
      sent: tally.sent,
      retried: tally.retriedOnClosedConnection,
      failed: tally.failed,
    });
    expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
    await expectDrained(apis, ns, pods, 60_000);
  });

  it("helm upgrade to a new image mid-rollout: no deletion fails open, drains resume", async () => {
    const ns = await namespace("e2e-upgrade");
    const { pods, load } = await webUnderLoad(apis, ns, { replicas: 3, policy: webPolicy() });
    const before = await webhookFailures();
    await rolloutRestart(apis, ns, "web");
    await waitFirstDrained(ns, pods);
    const started = Date.now();
    await installChart(inject("kubeconfigPath"), OPERATOR_IMAGE.upgradeTag);
    const upgradeSeconds = (Date.now() - started) / 1000;
    const images = (await operatorPods(apis)).map((p) => p.spec?.containers[0]?.image);
    expect(images).toEqual([
      `quiesce-operator:${OPERATOR_IMAGE.upgradeTag}`,
      `quiesce-operator:${OPERATOR_IMAGE.upgradeTag}`,
    ]);
    await waitRolloutComplete(apis, ns, "web", 300_000);
    const tally = await load.stop();
    const after = await webhookFailures();
    const failures = {
      failOpen: after.failOpen - before.failOpen,
      callErrors: after.callErrors - before.callErrors,
    };
    report("helm upgrade mid-rollout", {
      upgradeSeconds,
      ...failures,
      sent: tally.sent,
      retried: tally.retriedOnClosedConnection,
      failed: tally.failed,
    });
    expect(failures.failOpen).toBe(0);
    expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
    await expectDrained(apis, ns, pods, 60_000);
  });

  it("kubectl drain of the worker node under a PodDisruptionBudget drains its app pods one by one, losing nothing", async () => {
    const ns = await namespace("e2e-node-drain");
    const { load } = await webUnderLoad(apis, ns, { replicas: 4, policy: webPolicy() });
    await kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({
      namespace: ns,
      body: {
        metadata: { name: "web" },
        spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } },
      },
    });
    const controlPlane = await controlPlaneNode(apis);
    const nodes = await apis.core.listNode();
    const worker = nodes.items.map((n) => n.metadata?.name ?? "").find((n) => n !== controlPlane);
    if (!worker) throw new Error("e2e: the cluster has no worker node");
    const onWorker = (await listPods(apis, ns, "web")).filter((p) => p.spec?.nodeName === worker);
    expect(onWorker.length, "the scheduler put no web pod on the worker").toBeGreaterThan(0);
    const started = Date.now();
    try {
      await kubectl(["drain", worker, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout", "5m"], {
        timeoutMs: 330_000,
      });
      const drainSeconds = (Date.now() - started) / 1000;
      const left = (await listPods(apis, ns, "web")).filter((p) => p.spec?.nodeName === worker);
      expect(left).toHaveLength(0);
      await waitFor(
        async () =>
          (await listPods(apis, ns, "web")).filter((p) => p.status?.phase === "Running").length === 4,
        {
          timeoutMs: 120_000,
          what: "4 web pods running again, on the control-plane node",
        },
      );
      const tally = await load.stop();
      report("kubectl drain of the worker", {
        podsOnWorker: onWorker.length,
        drainSeconds,
        sent: tally.sent,
        retried: tally.retriedOnClosedConnection,
        failed: tally.failed,
      });
      expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
      await expectDrained(apis, ns, onWorker, 60_000);
    } finally {
      await kubectl(["uncordon", worker]);
    }
  });
});
