// Scale-in takes the idle pods first (spec.scaleIn.preferIdle) on the real control plane: the operator keeps each
// serving pod's pod-deletion-cost in step with its in-flight work, the ReplicaSet removes the idle pods, and the
// operator writes a cost only when its bucket changes.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { waitFor } from "../harness/wait-for.ts";
import {
  drainAnnotation,
  type HeldRequest,
  holdWorks,
  patchPolicy,
  phaseOf,
  scaleDeployment,
  watchPods,
} from "../scenarios/drain-steps.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, ipOf, listPods, nameOf } from "../scenarios/workloads.ts";
import { operatorSuite } from "./support/operator-suite.ts";

const { kc, apis, namespace, metricsText } = operatorSuite();

const COST = "controller.kubernetes.io/pod-deletion-cost";
const MARK = "quiesce.dev/deletion-cost-bucket";
/** Requests held on the 4 busy pods, and the bucket each makes (0 idle, else floor(log2(n)) + 1). */
const LOADS = [1, 2, 4, 8];
const BUCKETS = ["1", "2", "3", "4"];
const HOLD_MS = 50_000;
/** How long the in-flight counts stay in their buckets while the writes are counted. */
const WINDOW_MS = 15_000;

/** quiesce_deletion_cost_writes_total over its labels. */
async function costWrites(): Promise<number> {
  const text = await metricsText();
  const values = [...text.matchAll(/^quiesce_deletion_cost_writes_total\{[^}]*\} (\d+)$/gm)];
  return values.reduce((sum, m) => sum + Number(m[1]), 0);
}

const costOf = (p: V1Pod) => p.metadata?.annotations?.[COST];
const readyAt = (p: V1Pod) => {
  const ready = p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime;
  return ready === undefined ? 0 : new Date(ready).getTime();
};

describe("scale-in prefers idle pods", () => {
  it("8 -> 4 removes exactly the 4 idle pods, with 0 held requests failed, and no writes while buckets hold", async () => {
    const ns = await namespace("prefer-idle");
    await createPolicy(apis, "web", ns, {
      ...samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 1 }),
      budget: { maxConcurrent: 4, minServing: 1 },
      scaleIn: { preferIdle: true, pollIntervalSeconds: 1 },
    });
    const created = await createApp(apis, { name: "web", namespace: ns, replicas: 8, grace: 2 });
    // The busy pods are the most recently ready: without costs the ReplicaSet would rather remove those.
    const pods = [...created].sort((a, b) => readyAt(b) - readyAt(a));
    const busy = pods.slice(0, 4);
    const idle = pods.slice(4);
    const watch = await watchPods(kc, ns, "app=web");
    const want = new Map<string, string>([
      ...busy.map((p, i) => [nameOf(p), BUCKETS[i] ?? ""] as const),
      ...idle.map((p) => [nameOf(p), "0"] as const),
    ]);
    const writesAtStart = await costWrites();
    const held: HeldRequest[] = (
      await Promise.all(busy.map((p, i) => holdWorks(ipOf(p), HOLD_MS, LOADS[i] ?? 1)))
    ).flat();
    const heldAt = Date.now();
    await waitFor(
      async () => (await listPods(apis, ns, "web")).every((p) => costOf(p) === want.get(nameOf(p))),
      { timeoutMs: 15_000, intervalMs: 200, what: "every pod's cost at its bucket" },
    );
    const settleMs = Date.now() - heldAt;
    const writesSettled = await costWrites();

    // Steady state: the counts stay in their buckets, so the operator polls (every second) but writes nothing.
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const windowWrites = (await costWrites()) - writesSettled;
    const steady = await listPods(apis, ns, "web");
    expect(steady.every((p) => costOf(p) === want.get(nameOf(p)) && p.metadata?.annotations?.[MARK])).toBe(
      true,
    );

    const scaledAt = Date.now();
    await scaleDeployment(apis, ns, "web", 4);
    const remaining = await waitFor(
      async () => {
        const list = await listPods(apis, ns, "web");
        return list.length === 4 ? list : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: "4 pods left after the scale-in" },
    );
    const scaleInMs = Date.now() - scaledAt;
    const removed = pods.map(nameOf).filter((n) => !remaining.some((p) => nameOf(p) === n));
    const outcomes = await Promise.all(held.map((h) => h.done));
    const failed = outcomes.filter((o) => o.status !== 200 || o.error !== undefined);
    const writesAfterScaleIn = await costWrites();
    // Each went through its drain, marked by the removal recorder as the ReplicaSet's scale-in.
    const reasons = removed.map((n) => watch.first((p) => nameOf(p) === n && phaseOf(p) !== "Serving")?.pod);
    watch.stop();

    // Turned off: the operator removes the costs it wrote from the pods that are left.
    await patchPolicy(apis, ns, "web", { spec: { scaleIn: { preferIdle: false } } });
    const cleared = await waitFor(
      async () => {
        const list = await listPods(apis, ns, "web");
        return list.every((p) => costOf(p) === undefined && p.metadata?.annotations?.[MARK] === undefined);
      },
      { timeoutMs: 10_000, intervalMs: 200, what: "the costs removed once preferIdle is off" },
    );
    const perPodPerMinute = windowWrites / pods.length / (WINDOW_MS / 60_000);
    console.log(
      JSON.stringify({
        removed,
        idle: idle.map(nameOf),
        held: held.length,
        failed: failed.length,
        costWrites: {
          beforeHolding: writesAtStart,
          untilSettled: writesSettled - writesAtStart,
          settleMs,
          windowMs: WINDOW_MS,
          inWindow: windowWrites,
          perPodPerMinute,
          duringScaleIn: writesAfterScaleIn - writesSettled - windowWrites,
          clear: (await costWrites()) - writesAfterScaleIn,
        },
        scaleInMs,
      }),
    );
    expect([...removed].sort()).toEqual(idle.map(nameOf).sort());
    expect(reasons.map((p) => drainAnnotation(p, "reason"))).toEqual(removed.map(() => "scale-in"));
    expect(remaining.map(nameOf).sort()).toEqual(busy.map(nameOf).sort());
    expect(failed).toEqual([]);
    expect(held).toHaveLength(15);
    expect(windowWrites).toBe(0);
    expect(cleared).toBe(true);
  });
});
