// The budget and the modes on the real control plane: minServing (no backup), maxConcurrent, DryRun, no endpoint,
// and rollout undo reversing a quiesce.
import { DiscoveryV1Api, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import { waitFor } from "../harness/wait-for.ts";
import {
  appStatus,
  deletePod,
  drainAnnotation,
  holdWork,
  patchDeployment,
  phaseEnteredAt,
  phaseOf,
  podEvents,
  readPod,
  readyServiceAddresses,
  removalSeen,
  samplePods,
  servingGate,
  setTemplateAnnotation,
  waitForEvent,
  waitPodRemoved,
  watchPod,
} from "../scenarios/drain-steps.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import {
  createApp,
  createPolicy,
  ipOf,
  isReady,
  listPods,
  nameOf,
  rolloutRestart,
  uidOf,
  waitRolloutComplete,
} from "../scenarios/workloads.ts";
import { operatorSuite } from "./support/operator-suite.ts";

const { kc, apis, namespace } = operatorSuite();
const discovery = kc.makeApiClient(DiscoveryV1Api);

const stateOf = (p: V1Pod | undefined) => drainAnnotation(p, "state") ?? "Serving";
const hasGate = (p: V1Pod) =>
  p.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;
const STARTED = new Set(["Settling", "Quiescing", "Draining", "Drained", "TimedOut"]);

describe.concurrent("budget and modes", () => {
  it("minServing 1, one replica, no surge: the old pod serves until its replacement is Ready, then drains", async () => {
    const ns = await namespace("minserving");
    await createPolicy(apis, "web", ns, {
      ...samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 1 }),
      budget: { minServing: 1 },
    });
    const [old] = await createApp(apis, {
      name: "web",
      namespace: ns,
      replicas: 1,
      maxSurge: 0,
      maxUnavailable: 1,
      grace: 2,
    });
    if (!old) throw new Error("no pod");
    // A new revision whose pods take 4 s to become Ready, so the refusal is long enough to observe.
    await patchDeployment(apis, ns, "web", {
      spec: {
        template: { spec: { containers: [{ name: "app", readinessProbe: { initialDelaySeconds: 4 } }] } },
      },
    });
    const refused = await waitFor(
      async () => {
        const p = await readPod(apis, ns, nameOf(old));
        return stateOf(p) === "Requested" && drainAnnotation(p, "refusal") ? p : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: "the old pod's removal refused by minServing" },
    );
    expect(drainAnnotation(refused, "refusal")).toContain("minServing is 1");
    // Refused means still serving: gate True, Ready, and routed to.
    expect(servingGate(refused)).toBe("True");
    expect(isReady(refused)).toBe(true);
    expect(await readyServiceAddresses(discovery, ns, "web")).toContain(ipOf(old));
    const event = await waitForEvent(apis, ns, nameOf(old), "QuiesceRefused", 5_000);
    expect(event.message).toContain("only 0 other pods serving, minServing is 1");

    const replacement = await waitFor(
      async () => {
        const pods = await listPods(apis, ns, "web");
        return pods.find((p) => nameOf(p) !== nameOf(old) && isReady(p));
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the replacement Ready" },
    );
    const draining = await waitFor(
      async () => {
        const p = await readPod(apis, ns, nameOf(old));
        return p === undefined || drainAnnotation(p, "startedAt") ? (p ?? "gone") : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: "the old pod's drain started" },
    );
    if (draining !== "gone") {
      const readyAt = Date.parse(
        replacement.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime?.toString() ?? "",
      );
      // Transition times are whole seconds (truncated): the drain starts after the replacement became Ready.
      expect(Date.parse(drainAnnotation(draining, "startedAt") ?? "")).toBeGreaterThanOrEqual(readyAt);
    }
    await waitPodRemoved(apis, ns, nameOf(old), uidOf(old), 30_000);
    await waitRolloutComplete(apis, ns, "web", 30_000);
    const reasons = (await podEvents(apis, ns, nameOf(old))).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["QuiesceRefused", "QuiesceStarted", "Drained"]));
  });

  it("maxConcurrent 1 on 4 replicas: a rollout that removes 2 at once still quiesces one pod at a time", async () => {
    const ns = await namespace("maxconc");
    await createPolicy(apis, "web", ns, {
      ...samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 1 }),
      budget: { maxConcurrent: 1, minServing: 1 },
    });
    const pods = await createApp(apis, {
      name: "web",
      namespace: ns,
      replicas: 4,
      maxSurge: "100%",
      maxUnavailable: "50%",
      grace: 2,
    });
    const held = await Promise.all(pods.map((p) => holdWork(ipOf(p), 3000)));
    let maxStarted = 0;
    let maxMarked = 0;
    const sampler = samplePods(apis, ns, "web", (list) => {
      const live = list.filter((p) => !p.metadata?.deletionTimestamp);
      maxStarted = Math.max(maxStarted, live.filter((p) => STARTED.has(stateOf(p))).length);
      maxMarked = Math.max(maxMarked, live.filter((p) => stateOf(p) !== "Serving").length);
    });
    try {
      await rolloutRestart(apis, ns, "web");
      await waitRolloutComplete(apis, ns, "web", 90_000);
    } finally {
      await sampler.stop();
    }
    for (const h of held) expect((await h.done).status).toBe(200);
    // The Deployment asked for two removals at once (so the test can fail), the operator quiesced one at a time.
    expect(maxMarked).toBeGreaterThanOrEqual(2);
    expect(maxStarted).toBe(1);
    const refusals = await Promise.all(pods.map((p) => podEvents(apis, ns, nameOf(p))));
    const messages = refusals.flat().filter((e) => e.reason === "QuiesceRefused");
    expect(messages.some((e) => e.message?.includes("already quiescing, maxConcurrent is 1"))).toBe(true);
  });

  it("both pods of two deleted at once (minServing 1): one drains while the other serves, then the other", async () => {
    // Each removal waits for another pod to serve; the first in the queue goes, or both would wait forever.
    const ns = await namespace("both");
    await createPolicy(apis, "web", ns, {
      ...samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 1 }),
      budget: { maxConcurrent: 1, minServing: 1 },
    });
    const pods = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    let maxStarted = 0;
    let minReady = Number.POSITIVE_INFINITY;
    const sampler = samplePods(apis, ns, "web", (list) => {
      const live = list.filter((p) => !p.metadata?.deletionTimestamp);
      maxStarted = Math.max(maxStarted, live.filter((p) => STARTED.has(stateOf(p))).length);
      minReady = Math.min(minReady, live.filter(isReady).length);
    });
    try {
      const answers = await Promise.all(pods.map((p) => deletePod(apis, ns, nameOf(p))));
      expect(answers.map((a) => a?.code)).toEqual([403, 403]);
      await Promise.all(pods.map((p) => waitPodRemoved(apis, ns, nameOf(p), uidOf(p), 120_000)));
      await waitFor(async () => (await listPods(apis, ns, "web")).filter(isReady).length === 2, {
        timeoutMs: 30_000,
        what: "two replacement pods Ready",
      });
    } finally {
      await sampler.stop();
    }
    expect(maxStarted).toBe(1);
    expect(minReady).toBeGreaterThanOrEqual(1);
    for (const p of pods) {
      const reasons = (await podEvents(apis, ns, nameOf(p))).map((e) => e.reason);
      expect(reasons, nameOf(p)).toContain("Drained");
    }
  });

  it("DryRun: no gate injected, deletions allowed at once, a DryRun report Event", async () => {
    const ns = await namespace("dryrun");
    await createPolicy(apis, "web", ns, {
      ...samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 3 }),
      mode: "DryRun",
    });
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    expect(hasGate(pod)).toBe(false);
    const held = await holdWork(ipOf(pod), 2000);
    expect(await deletePod(apis, ns, nameOf(pod))).toBeUndefined();
    const terminating = await readPod(apis, ns, nameOf(pod));
    expect(terminating === undefined || terminating.metadata?.deletionTimestamp !== undefined).toBe(true);
    const report = await waitForEvent(apis, ns, nameOf(pod), "DryRun", 10_000);
    expect(report.message).toMatch(
      /^DryRun: a drain would mark NotReady, wait up to 3s for traffic to stop, POST \/quiesce, wait for .* \(at most 60s\), then remove the pod$/,
    );
    held.abort();
    const reasons = (await podEvents(apis, ns, nameOf(pod))).map((e) => e.reason);
    expect(reasons).not.toContain("QuiesceStarted");
  });

  it("no endpoint: NotReady, settleSeconds, then removal; the pod leaves the ready endpoints first", async () => {
    const ns = await namespace("noendpoint");
    const settleSeconds = 3;
    await createPolicy(apis, "web", ns, {
      selector: { matchLabels: { app: "web" } },
      drain: { timeoutSeconds: 60, pollIntervalSeconds: 1, settleSeconds },
    });
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    expect(hasGate(pod)).toBe(true);
    const watch = await watchPod(kc, ns, nameOf(pod));
    const asked = Date.now();
    expect((await deletePod(apis, ns, nameOf(pod)))?.code).toBe(403);
    const outAt = await waitFor(
      async () => (!(await readyServiceAddresses(discovery, ns, "web")).includes(ipOf(pod)) ? Date.now() : 0),
      { timeoutMs: 10_000, intervalMs: 25, what: "the pod out of the ready endpoints" },
    );
    // From then until its removal, it never comes back into the ready endpoints.
    let backInEndpoints = false;
    await waitFor(
      async () => {
        const [p, ready] = await Promise.all([
          readPod(apis, ns, nameOf(pod)),
          readyServiceAddresses(discovery, ns, "web"),
        ]);
        const alive = p?.metadata?.uid === uidOf(pod) && !p.metadata?.deletionTimestamp;
        if (!alive) return true;
        if (ready.includes(ipOf(pod))) backInEndpoints = true;
        return false;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "the pod removed after its settle time" },
    );
    const removedAt = await waitFor(() => removalSeen(watch), {
      timeoutMs: 5_000,
      what: "the removal in the watch",
    });
    watch.stop();
    expect(backInEndpoints).toBe(false);
    expect(outAt).toBeLessThan(removedAt);
    // Drained by the operator after exactly the settle time (within a poll interval and its timers' lateness on a
    // loaded machine), then removed by its own delete.
    const drainedPod = watch.first((p) => phaseOf(p) === "Drained")?.pod;
    const startedAt = Date.parse(drainAnnotation(drainedPod, "startedAt") ?? "");
    const decidedAt = phaseEnteredAt(drainedPod);
    expect(decidedAt - startedAt).toBeGreaterThanOrEqual(settleSeconds * 1000);
    expect(decidedAt - startedAt).toBeLessThanOrEqual(settleSeconds * 1000 + 1000 + 1000);
    expect(removedAt - decidedAt).toBeLessThanOrEqual(6000);
    const drained = await waitForEvent(apis, ns, nameOf(pod), "Drained", 5_000);
    expect(drained.message).toContain(`no endpoint: NotReady for ${settleSeconds}s`);
    console.log(
      JSON.stringify({
        measure: "no-endpoint",
        deleteToOutOfEndpointsMs: outAt - asked,
        drainedToRemovalSeenMs: removedAt - decidedAt,
      }),
    );
  });

  it("rollout undo: a quiescing pod of the current revision again is unquiesced and keeps serving", async () => {
    const ns = await namespace("undo");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds: 120, settleSeconds: 1 }));
    const before = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    const held = await Promise.all(before.map((p) => holdWork(ipOf(p), 90_000)));
    try {
      await rolloutRestart(apis, ns, "web");
      const victim = await waitFor(
        async () => (await listPods(apis, ns, "web")).find((p) => stateOf(p) === "Draining"),
        { timeoutMs: 30_000, intervalMs: 100, what: "an old pod draining" },
      );
      expect(drainAnnotation(victim, "reason")).toBe("rollout");
      expect(servingGate(victim)).toBe("False");
      // `kubectl rollout undo`: the template goes back to the old revision.
      await setTemplateAnnotation(apis, ns, "web", "kubectl.kubernetes.io/restartedAt", null);
      const event = await waitForEvent(apis, ns, nameOf(victim), "Unquiesced", 30_000);
      expect(event.message).toContain("rollout undone");
      await waitRolloutComplete(apis, ns, "web", 60_000);
      const back = await waitFor(
        async () => {
          const p = await readPod(apis, ns, nameOf(victim));
          return p && servingGate(p) === "True" && isReady(p) ? p : undefined;
        },
        { timeoutMs: 15_000, what: "the unquiesced pod Ready again" },
      );
      expect(back.metadata?.uid).toBe(uidOf(victim));
      expect(back.metadata?.deletionTimestamp).toBeUndefined();
      expect(stateOf(back)).toBe("Serving");
      expect(drainAnnotation(back, "outcome")).toBe("Unquiesced");
      expect((await appStatus(ipOf(back))).state).toBe("serving");
      expect(await readyServiceAddresses(discovery, ns, "web")).toContain(ipOf(back));
      // Both original pods survive: the undo removed nobody.
      const after = await listPods(apis, ns, "web");
      expect(after.map(nameOf).sort()).toEqual(before.map(nameOf).sort());
    } finally {
      for (const h of held) h.abort();
    }
  });
});
