// ScaleInController on in-memory caches, the fake pod writer and a scripted app: writes only on a bucket change,
// keeps the cost when the endpoint fails, never overwrites a newer pod, and removes only what it wrote.
import type { V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { QuiescePolicy } from "../../../operator/api/quiesce-policy.ts";
import type { ClientFactory } from "../../../operator/controllers/drain/endpoint-caller.ts";
import {
  DELETION_COST_ANNOTATION,
  REQUESTED_DELETION_COST,
} from "../../../operator/controllers/drain/removal-requests.ts";
import { COST_BUCKET_ANNOTATION } from "../../../operator/controllers/scale-in/deletion-cost.ts";
import { ScaleInController } from "../../../operator/controllers/scale-in/scale-in-controller.ts";
import type { PodWriter } from "../../../operator/kube/pods.ts";
import { createMetrics } from "../../../operator/observability/metrics.ts";
import type { QuiesceCallResult } from "../../../operator/quiesce/response.ts";
import { pod } from "../controllers/pods.ts";
import { FakePodWriter, Journal, MemoryStore } from "../drain/fake-cluster.ts";
import { scaleInPolicy } from "./fixtures.ts";

const KEY = "ns/web-a";
const COST = DELETION_COST_ANNOTATION;
const MARK = COST_BUCKET_ANNOTATION;

/** An app answering GET status with the next in-flight count of its script (null: the call fails). */
function scriptedApp(script: Array<number | null>, beforeAnswer: () => void) {
  const calls: string[] = [];
  const makeClient: ClientFactory = () => {
    const status = async (): Promise<QuiesceCallResult> => {
      calls.push("GET");
      beforeAnswer();
      const next = script.length > 1 ? script.shift() : script[0];
      if (next === null || next === undefined) return { ok: false, kind: "refused", message: "ECONNREFUSED" };
      return { ok: true, status: { state: "serving", inFlight: next }, httpStatus: 200 };
    };
    const unused = async (): Promise<QuiesceCallResult> => {
      throw new Error("scale-in only reads the status");
    };
    return { status, quiesce: unused, unquiesce: unused };
  };
  return { calls, makeClient };
}

interface Options {
  /** Runs while a status call is in flight (another writer changing the pod meanwhile). */
  duringPoll?: (pods: MemoryStore<V1Pod>) => void;
  /** The API server's answer to a write, instead of the fake writer's. */
  annotate?: PodWriter["annotate"];
}

function setup(script: Array<number | null>, o: Options = {}) {
  const pods = new MemoryStore<V1Pod>([pod("web-a")]);
  const policyStore = new MemoryStore<QuiescePolicy>([scaleInPolicy()]);
  const journal = new Journal(() => 0);
  const fake = new FakePodWriter(pods, journal, () => 0);
  const writer: PodWriter = o.annotate ? { ...fake, annotate: o.annotate } : fake;
  const metrics = createMetrics();
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(line) });
  const app = scriptedApp(script, () => o.duringPoll?.(pods));
  const controller = new ScaleInController({
    cache: { pods, policies: policyStore },
    pods: writer,
    tokens: { token: async () => ({ ok: false, message: "no secret" }) },
    metrics,
    logger,
    makeClient: app.makeClient,
  });
  const annotations = () => pods.get("ns", "web-a")?.metadata?.annotations ?? {};
  const writes = async () => {
    const values = (await metrics.deletionCostWrites.get()).values;
    return Object.fromEntries(values.map((v) => [String(v.labels.action), v.value]));
  };
  return { pods, policyStore, journal, controller, app, annotations, writes, lines };
}

describe("ScaleInController", () => {
  it("writes the bucket as the cost when it changes, and nothing while the work stays in its bucket", async () => {
    const t = setup([0, 0, 5, 6, 7, 4, 9, 1, 0]);
    const results = [];
    for (let i = 0; i < 9; i++) results.push(await t.controller.reconcile(KEY));
    expect(results.every((r) => r.kind === "requeueAfter" && r.ms === 10_000)).toBe(true);
    expect(t.app.calls).toHaveLength(9);
    // Buckets 0 0 3 3 3 3 4 1 0: five changes (the first reading included), five writes.
    expect(t.journal.whats()).toHaveLength(5);
    expect(await t.writes()).toEqual({ set: 5 });
    expect(t.annotations()).toMatchObject({ [COST]: "0", [MARK]: "0" });
  });

  it("keeps the last cost while the endpoint fails, and logs the failure once", async () => {
    const t = setup([4, null, null, null, 4]);
    for (let i = 0; i < 5; i++) await t.controller.reconcile(KEY);
    expect(t.journal.whats()).toHaveLength(1);
    expect(t.annotations()[COST]).toBe("3");
    expect(t.lines.filter((l) => l.includes("in-flight poll failed"))).toHaveLength(1);
    const line = JSON.parse(t.lines.find((l) => l.includes("in-flight poll failed")) ?? "{}");
    expect(line).toMatchObject({ controller: "scale-in", namespace: "ns", pod: "web-a", kind: "refused" });
  });

  it("writes nothing over a pod that changed during the poll: a removal recorded meanwhile keeps its cost", async () => {
    // The removal recorder marks the pod while the status call is in flight.
    const t = setup([8], {
      duringPoll: (pods) => {
        const p = pods.get("ns", "web-a") as V1Pod;
        const annotations = { "quiesce.dev/state": "Requested", [COST]: REQUESTED_DELETION_COST };
        p.metadata = { ...p.metadata, resourceVersion: "7", annotations };
        pods.put(p);
      },
    });
    expect(await t.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(t.journal.whats()).toEqual([]);
    expect(t.annotations()[COST]).toBe(REQUESTED_DELETION_COST);
  });

  it("retries soon, not at the next poll, when its write loses to a newer version of the pod", async () => {
    const seen: Array<string | undefined> = [];
    const t = setup([2], {
      annotate: async (_ns, _name, _uid, _annotations, resourceVersion) => {
        seen.push(resourceVersion);
        return undefined; // 409: the API server holds a newer version than the cache
      },
    });
    const p = t.pods.get("ns", "web-a") as V1Pod;
    p.metadata = { ...p.metadata, resourceVersion: "41" };
    t.pods.put(p);
    expect(await t.controller.reconcile(KEY)).toEqual({ kind: "requeueAfter", ms: 1000 });
    expect(seen).toEqual(["41"]);
  });

  it("removes its cost and mark once the policy is turned off or gone, and only a cost it wrote", async () => {
    const t = setup([3]);
    await t.controller.reconcile(KEY);
    expect(t.annotations()[COST]).toBe("2");
    t.policyStore.put(scaleInPolicy({ preferIdle: false }));
    expect(await t.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(t.annotations()).not.toHaveProperty(COST);
    expect(t.annotations()).not.toHaveProperty(MARK);
    expect(await t.writes()).toEqual({ set: 1, clear: 1 });
    // Nothing of ours left: no more writes.
    await t.controller.reconcile(KEY);
    expect(t.journal.whats()).toHaveLength(2);

    // A drain replaced our cost with its own, then the policy went: the mark goes, the drain's cost stays.
    const u = setup([3]);
    await u.controller.reconcile(KEY);
    const p = u.pods.get("ns", "web-a") as V1Pod;
    p.metadata = {
      ...p.metadata,
      annotations: { ...p.metadata?.annotations, [COST]: REQUESTED_DELETION_COST },
    };
    u.pods.put(p);
    u.policyStore.delete("ns", "web");
    await u.controller.reconcile(KEY);
    expect(u.annotations()[COST]).toBe(REQUESTED_DELETION_COST);
    expect(u.annotations()).not.toHaveProperty(MARK);
  });

  it("never calls a pod that is not serving, and forgets a pod that is gone", async () => {
    const t = setup([5]);
    const p = t.pods.get("ns", "web-a") as V1Pod;
    p.status = { ...p.status, conditions: [{ type: "Ready", status: "False" }] };
    t.pods.put(p);
    expect(await t.controller.reconcile(KEY)).toEqual({ kind: "done" });
    t.pods.delete("ns", "web-a");
    expect(await t.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(t.app.calls).toEqual([]);
  });
});
