// Traffic that outlasts the endpoints on the real control plane: a load balancer 15 s late and a low-rate service
// roll with a default policy and lose nothing, every quiesce after the pod's last arrival; a drained pod whose app
// still refuses new work is not deleted until the refusals stop.
import { get } from "node:http";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";
import { type RequestOutcome, startLoad, startTrafficClient, summarize } from "../harness/traffic/index.ts";
import { waitFor } from "../harness/wait-for.ts";
import {
  appStatus,
  deletePod,
  phaseEnteredAt,
  phaseOf,
  podEvents,
  readPod,
  waitPodRemoved,
  watchPods,
} from "../scenarios/drain-steps.ts";
import { APP_PORT } from "../scenarios/manifests.ts";
import {
  createApp,
  createPolicy,
  ipOf,
  listPods,
  nameOf,
  rolloutRestart,
  uidOf,
  waitRolloutComplete,
} from "../scenarios/workloads.ts";
import { operatorSuite } from "./support/operator-suite.ts";

const { kc, apis, namespace, metricsText } = operatorSuite();

/** A default policy: nothing but what a user must write (the drain timeout is required). */
const defaultPolicy = (app: string): QuiescePolicySpecInput => ({
  selector: { matchLabels: { app } },
  endpoint: { port: "http", path: "/quiesce" },
  drain: { timeoutSeconds: 120 },
});

interface Rollout {
  outcomes: RequestOutcome[];
  old: V1Pod[];
  /** When the operator decided to quiesce each old pod (by UID), from the pods' own annotations. */
  quiescedAt: Map<string, number>;
}

async function rolloutUnderLoad(
  ns: string,
  delayMs: number,
  load: Parameters<typeof startLoad>[1][],
): Promise<Rollout> {
  const client = await startTrafficClient({
    kubeConfig: kc,
    namespace: ns,
    service: "web",
    port: APP_PORT,
    propagationDelayMs: delayMs,
  });
  const watch = await watchPods(kc, ns, "app=web");
  try {
    await waitFor(async () => client.endpoints().length === 3 || undefined, {
      timeoutMs: delayMs + 10_000,
      what: "the client routing to every pod",
    });
    const old = await listPods(apis, ns, "web");
    const runs = load.map((l) => startLoad(client.send, l));
    await new Promise((r) => setTimeout(r, 3000)); // long work in flight on every pod
    await rolloutRestart(apis, ns, "web");
    await waitRolloutComplete(apis, ns, "web", 240_000);
    const outcomes = (await Promise.all(runs.map((r) => r.stop()))).flat();
    const quiescedAt = new Map<string, number>();
    for (const v of watch.versions) {
      const uid = uidOf(v.pod);
      if (phaseOf(v.pod) === "Quiescing" && !quiescedAt.has(uid)) quiescedAt.set(uid, phaseEnteredAt(v.pod));
    }
    return { outcomes, old, quiescedAt };
  } finally {
    watch.stop();
    await client.stop();
  }
}

/** Per old pod: the start of the last request the client sent it, and when the operator quiesced it. */
function arrivalsVsQuiesce(r: Rollout) {
  return r.old.map((pod) => {
    const starts = r.outcomes.filter((o) => o.endpoint === ipOf(pod)).map((o) => o.start);
    return { pod: nameOf(pod), lastArrival: Math.max(...starts), quiescedAt: r.quiescedAt.get(uidOf(pod)) };
  });
}

function expectEveryQuiesceAfterLastArrival(r: Rollout): void {
  const seen = arrivalsVsQuiesce(r);
  for (const s of seen) {
    expect(s.quiescedAt, `${s.pod} was quiesced`).toBeDefined();
    expect(s.lastArrival, `${s.pod}: last arrival before its quiesce`).toBeLessThan(s.quiescedAt ?? 0);
  }
}

const histogramCount = (text: string, name: string) =>
  Number(new RegExp(`^${name}_count(?:\\{[^}]*\\})? (\\d+)$`, "m").exec(text)?.[1] ?? 0);

describe.concurrent("traffic that outlasts the endpoints", () => {
  it("a load balancer 15 s late: a default policy loses nothing and quiesces each pod after its last arrival", async () => {
    const ns = await namespace("late-lb");
    await createPolicy(apis, "web", ns, defaultPolicy("web"));
    await createApp(apis, { name: "web", namespace: ns, replicas: 3, grace: 30 });
    const before = histogramCount(await metricsText(), "quiesce_traffic_after_leaving_seconds");
    const r = await rolloutUnderLoad(ns, 15_000, [
      { mix: [{ path: "/work?ms=20", weight: 1 }], ratePerSecond: 30, durationMs: 600_000 },
      { mix: [{ path: "/work?ms=5000", weight: 1, class: "long" }], concurrency: 3, durationMs: 600_000 },
    ]);
    const summary = summarize(r.outcomes);
    console.log(
      JSON.stringify({ lateLb: { sent: summary.sent, failed: summary.failed, pods: arrivalsVsQuiesce(r) } }),
    );
    expect(summary.byClass.long.sent).toBeGreaterThan(0);
    expect(summary.failuresByReason).toEqual({});
    expect(summary.failed).toBe(0);
    expectEveryQuiesceAfterLastArrival(r);
    // The lag is visible: an Event on the pods it held, and the histogram of leaving -> last arrival.
    const reasons = (await Promise.all(r.old.map((p) => podEvents(apis, ns, nameOf(p))))).flat();
    expect(reasons.some((e) => e.reason === "TrafficStillArriving")).toBe(true);
    const after = histogramCount(await metricsText(), "quiesce_traffic_after_leaving_seconds");
    expect(after - before).toBeGreaterThanOrEqual(r.old.length);
  });

  it("a low-rate service (a request every ~3 s per pod): nothing lost, no quiesce before the last arrival", async () => {
    const ns = await namespace("low-rate");
    await createPolicy(apis, "web", ns, defaultPolicy("web"));
    await createApp(apis, { name: "web", namespace: ns, replicas: 3, grace: 30 });
    const r = await rolloutUnderLoad(ns, 1000, [
      { mix: [{ path: "/work?ms=20", weight: 1 }], ratePerSecond: 1, durationMs: 600_000 },
      { mix: [{ path: "/work?ms=4000", weight: 1, class: "long" }], concurrency: 1, durationMs: 600_000 },
    ]);
    const summary = summarize(r.outcomes);
    console.log(
      JSON.stringify({ lowRate: { sent: summary.sent, failed: summary.failed, pods: arrivalsVsQuiesce(r) } }),
    );
    expect(summary.failuresByReason).toEqual({});
    expect(summary.failed).toBe(0);
    expectEveryQuiesceAfterLastArrival(r);
  });

  it("holds a drained pod's deletion while its app still refuses new work, and removes it once refusals stop", async () => {
    const ns = await namespace("refusals");
    // maxSettleSeconds 0: the settle ends at settleSeconds even while traffic still comes (a load balancer that
    // ignores the endpoints), so the app is quiesced into live traffic and refuses it.
    await createPolicy(apis, "web", ns, {
      ...defaultPolicy("web"),
      drain: { timeoutSeconds: 60, settleSeconds: 1, maxSettleSeconds: 0 },
    });
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 30 });
    if (!pod) throw new Error("no pod");
    let sending = true;
    const statuses: number[] = [];
    const sender = (async () => {
      while (sending) {
        statuses.push(await getStatus(`http://${ipOf(pod)}:${APP_PORT}/work?ms=5`));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      expect((await deletePod(apis, ns, nameOf(pod)))?.code).toBe(403);
      await waitFor(async () => (await appStatus(ipOf(pod))).state === "drained" || undefined, {
        timeoutMs: 20_000,
        what: "the app quiesced and drained",
      });
      // Drained, but still receiving work it refuses: the pod stays for 4 s (refusals stood still 0 s).
      const heldUntil = Date.now() + 4000;
      while (Date.now() < heldUntil) {
        const p = await readPod(apis, ns, nameOf(pod));
        expect(
          p?.metadata?.deletionTimestamp ?? undefined,
          "not deleted while refusals rise",
        ).toBeUndefined();
        expect(phaseOf(p)).toBe("Draining");
        await new Promise((r) => setTimeout(r, 250));
      }
      expect((await appStatus(ipOf(pod))).refused).toBeGreaterThan(10);
    } finally {
      sending = false;
      await sender;
    }
    const stoppedAt = Date.now();
    const removed = await waitPodRemoved(apis, ns, nameOf(pod), uidOf(pod), 20_000);
    expect(removed.at - stoppedAt).toBeLessThan(10_000);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(10);
    const events = await podEvents(apis, ns, nameOf(pod));
    expect(events.map((e) => e.reason)).toContain("TrafficStillArriving");
    expect(events.find((e) => e.reason === "Drained")?.message).toMatch(/waited for the app's refusals/);
  });
});

function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    get(url, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    }).on("error", () => resolve(0));
  });
}
