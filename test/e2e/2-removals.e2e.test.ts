// Every planned removal a user makes, on a real cluster under load through a real Service: a rollout restart
// (with and without a policy, to prove the load can fail), kubectl delete, an eviction, a scale-in.
import { PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { waitFor } from "../harness/wait-for.ts";
import { restartWorkload, waitWorkloadRolledOut } from "../scenarios/workload-kinds.ts";
import { isReady, listPods, nameOf, rolloutRestart, waitRolloutComplete } from "../scenarios/workloads.ts";
import { expectDrained } from "./support/events.ts";
import { kubectl } from "./support/kubectl.ts";
import { waitForAnswers } from "./support/load-pod.ts";
import { e2eSuite, reportLoad } from "./support/suite.ts";
import { webPolicy, webUnderLoad } from "./support/web-under-load.ts";

const { apis, namespace } = e2eSuite();

async function waitGone(ns: string, pod: V1Pod, timeoutMs = 120_000): Promise<void> {
  await waitFor(async () => !(await listPods(apis, ns, "web")).some((p) => nameOf(p) === nameOf(pod)), {
    timeoutMs,
    what: `pod ${ns}/${nameOf(pod)} removed`,
    intervalMs: 250,
  });
}

describe.concurrent("e2e: removals under load through a Service", () => {
  it("a rollout restart with a policy loses nothing; every old pod is drained", async () => {
    const ns = await namespace("e2e-rollout");
    const { pods, load } = await webUnderLoad(apis, ns, { replicas: 3, policy: webPolicy() });
    const started = Date.now();
    await rolloutRestart(apis, ns, "web");
    await waitRolloutComplete(apis, ns, "web", 300_000);
    const seconds = (Date.now() - started) / 1000;
    const tally = await load.stop();
    reportLoad("rollout with policy", tally, { seconds });
    expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
    expect(tally.ok).toBeGreaterThan(100);
    const after = await listPods(apis, ns, "web");
    expect(after.some((p) => pods.some((b) => nameOf(b) === nameOf(p)))).toBe(false);
    await expectDrained(apis, ns, pods, 30_000);
  });

  it("a StatefulSet rolling update (OrderedReady) with a policy loses nothing; every old pod is drained", async () => {
    const ns = await namespace("e2e-sts");
    const { pods, load } = await webUnderLoad(apis, ns, {
      replicas: 3,
      policy: webPolicy(),
      kind: "StatefulSet",
    });
    const started = Date.now();
    await restartWorkload(apis, "StatefulSet", ns, "web");
    await waitWorkloadRolledOut(apis, "StatefulSet", ns, "web", 300_000);
    const seconds = (Date.now() - started) / 1000;
    const tally = await load.stop();
    reportLoad("statefulset rolling update with policy", tally, { seconds });
    expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
    expect(tally.ok).toBeGreaterThan(100);
    // The pods keep their names: every name has a Drained Event for its old incarnation.
    await expectDrained(apis, ns, pods, 30_000);
    const after = await listPods(apis, ns, "web");
    expect(after.every((p) => !pods.some((b) => b.metadata?.uid === p.metadata?.uid))).toBe(true);
  });

  it("a client pinned to the pod by its keep-alive connection lets go while the pod settles", async () => {
    // One closed-loop client with one short request in flight reuses one pooled connection forever, and kube-proxy
    // keeps that connection's requests on the pod it was opened to whatever the endpoints say: without the settle's
    // release of pooled connections, `accepted` never stands still and the drain runs to its 60 s deadline.
    const ns = await namespace("e2e-pinned");
    const { load } = await webUnderLoad(apis, ns, {
      replicas: 2,
      policy: webPolicy(),
      load: { mix: "/work?ms=20:1", concurrency: 1 },
    });
    await waitForAnswers(load, 50);
    const before = (await load.stats()).byPod;
    const after = (await waitForAnswers(load, 100)).byPod;
    const recent = Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)] as const);
    const pinned = recent.reduce((best, entry) => (entry[1] > best[1] ? entry : best), ["", 0] as const)[0];
    const pod = (await listPods(apis, ns, "web")).find((p) => nameOf(p) === pinned);
    if (!pod) throw new Error(`e2e: the load's pod ${pinned || "(none)"} is not a web pod`);
    const started = Date.now();
    await kubectl(["-n", ns, "delete", "pod", nameOf(pod), "--wait=false"]).catch(
      () => "denied while it drains",
    );
    await waitGone(ns, pod, 45_000);
    const seconds = (Date.now() - started) / 1000;
    const tally = await load.stop();
    reportLoad("pinned keep-alive client, pod deleted", tally, { seconds });
    expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
    await expectDrained(apis, ns, [pod], 30_000);
  });

  it("the same rollout without a policy loses requests (the load can fail)", async () => {
    const ns = await namespace("e2e-naive");
    const { load } = await webUnderLoad(apis, ns, { replicas: 3, policy: null });
    const started = Date.now();
    // Whether one rollout cuts a request is chance (the load is light): up to 3 rollouts until one does.
    let rollouts = 0;
    do {
      await rolloutRestart(apis, ns, "web");
      await waitRolloutComplete(apis, ns, "web", 300_000);
      rollouts++;
    } while (rollouts < 3 && (await load.stats()).failed === 0);
    const seconds = (Date.now() - started) / 1000;
    const tally = await load.stop();
    reportLoad("rollout without policy", tally, { rollouts, seconds });
    expect(tally.failed).toBeGreaterThan(0);
  });

  it("kubectl delete pod, an eviction and a scale-in are each drained, losing nothing", async () => {
    const ns = await namespace("e2e-removals");
    const { pods, load } = await webUnderLoad(apis, ns, { replicas: 3, policy: webPolicy() });
    const [deleted, evicted] = pods as [V1Pod, V1Pod, V1Pod];

    // kubectl delete: the webhook denies the first request while it starts the drain; the operator deletes the
    // pod once drained. kubectl reports the denial with the drain's progress.
    const del = await kubectl(["-n", ns, "delete", "pod", nameOf(deleted), "--wait=false"]).then(
      (out) => ({ ok: true, text: out }),
      (error: Error) => ({ ok: false, text: error.message }),
    );
    if (!del.ok)
      expect(del.text).toMatch(/pod is draining under QuiescePolicy \S+\/web: deleted when drained/);
    await waitGone(ns, deleted);

    const eviction = await apis.core
      .createNamespacedPodEviction({
        name: nameOf(evicted),
        namespace: ns,
        body: {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: nameOf(evicted), namespace: ns },
        },
      })
      .then(
        () => 201,
        (error: { code?: number }) => error.code ?? 0,
      );
    expect([201, 429]).toContain(eviction);
    await waitGone(ns, evicted);

    // Scale in only once the replacements serve: the ReplicaSet removes a pod that is not yet Ready first, and
    // such a pod has no work, so the operator rightly lets it go without a drain.
    const beforeScale = await waitFor(
      async () => {
        const now = (await listPods(apis, ns, "web")).filter((p) => !p.metadata?.deletionTimestamp);
        return now.length === 3 && now.every(isReady) ? now : undefined;
      },
      { timeoutMs: 120_000, what: "3 ready web pods again" },
    );
    await apis.apps.patchNamespacedDeployment(
      { name: "web", namespace: ns, body: { spec: { replicas: 2 } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const removed = await waitFor(
      async () => {
        const now = await listPods(apis, ns, "web");
        return now.length === 2
          ? beforeScale.filter((p) => !now.some((n) => nameOf(n) === nameOf(p)))
          : undefined;
      },
      { timeoutMs: 120_000, what: "the scale-in to 2 done", intervalMs: 250 },
    );
    expect(removed).toHaveLength(1);

    const tally = await load.stop();
    reportLoad("delete, evict, scale-in with policy", tally);
    expect(tally.failed, JSON.stringify(tally.firstFailures)).toBe(0);
    await expectDrained(apis, ns, [deleted, evicted, ...removed], 30_000);
  });
});
