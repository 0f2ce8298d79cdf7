// PodController on in-memory caches, a fake pod writer, a scripted app and the fake clock: each reconcile is one step.
import type { V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import type { DrainEnding } from "../../../operator/api/drain-phases.ts";
import { type ObjectKey, objectKey } from "../../../operator/api/object-key.ts";
import { ANNOTATIONS, type DrainPhase, SERVING_CONDITION } from "../../../operator/api/pod-annotations.ts";
import { drainStateOf, gateStatus } from "../../../operator/api/pod-view.ts";
import { type QuiescePolicy, quiescePolicySchema } from "../../../operator/api/quiesce-policy.ts";
import type { ClientFactory } from "../../../operator/controllers/drain/endpoint-caller.ts";
import { PodController } from "../../../operator/controllers/drain/pod-controller.ts";
import { createMetrics } from "../../../operator/observability/metrics.ts";
import type { QuiesceEndpoint } from "../../../operator/quiesce/client.ts";
import type { QuiesceCallResult } from "../../../operator/quiesce/response.ts";
import { FakeClock } from "../../../operator/runtime/clock.ts";
import type { ReconcileResult } from "../../../operator/runtime/work-queue.ts";
import { policy as basePolicy, replicaSet } from "../controllers/pods.ts";
import { FakeEvents, FakePodWriter, gatedPod, Journal, MemoryStore } from "./fake-cluster.ts";
import { T0 } from "./fixtures.ts";

const KEY = "ns/web-a";
const POLICY_KEY = objectKey("ns", "web");

/** The Enforce policy `web` with an endpoint on the pods' `http` port; 2 s settle, 1 s polls. */
function enforcePolicy(timeoutSeconds = 60): QuiescePolicy {
  const p = basePolicy("web");
  return quiescePolicySchema.parse({
    ...p,
    spec: {
      ...p.spec,
      endpoint: { port: "http" },
      drain: { timeoutSeconds, pollIntervalSeconds: 1, settleSeconds: 2 },
    },
  });
}

/**
 * An app behind the quiesce endpoint: traffic stopped (a fixed `accepted`), and once asked to quiesce it reports the
 * in-flight counts of `inFlight`, one per answer, the last one repeating.
 */
class ScriptedApp {
  readonly calls: string[] = [];
  readonly endpoints: QuiesceEndpoint[] = [];
  private readonly inFlight: number[];
  private quiescing: boolean;

  constructor(inFlight: number[], quiescing = false) {
    this.inFlight = inFlight;
    this.quiescing = quiescing;
  }

  /** The `accepted` counter at each answer: 5 requests arrive between the first two reads, then none. */
  private readonly accepted = [42, 47];

  private answer(): QuiesceCallResult {
    const inFlight = this.quiescing && this.inFlight.length > 1 ? this.inFlight.shift() : this.inFlight[0];
    const count = inFlight ?? 0;
    const state = !this.quiescing ? "serving" : count === 0 ? "drained" : "quiescing";
    const accepted = (this.accepted.length > 1 ? this.accepted.shift() : this.accepted[0]) ?? 0;
    return { ok: true, status: { state, inFlight: count, accepted }, httpStatus: 200 };
  }

  makeClient: ClientFactory = (endpoint) => {
    this.endpoints.push(endpoint);
    return {
      quiesce: async (reason) => {
        this.calls.push(`POST ${reason}`);
        this.quiescing = true;
        return this.answer();
      },
      status: async () => {
        this.calls.push("GET");
        return this.answer();
      },
      unquiesce: async () => {
        this.calls.push("DELETE");
        this.quiescing = false;
        return this.answer();
      },
    };
  };
}

function setup(o: { pods: V1Pod[]; policy?: QuiescePolicy; app?: ScriptedApp }) {
  const clock = new FakeClock(T0);
  const now = () => clock.now();
  const journal = new Journal(now);
  const pods = new MemoryStore(o.pods);
  const policies = new MemoryStore([o.policy ?? enforcePolicy()]);
  const writer = new FakePodWriter(pods, journal, now);
  const events = new FakeEvents(journal);
  const metrics = createMetrics();
  const outcomes: Array<[ObjectKey, DrainEnding]> = [];
  const app = o.app ?? new ScriptedApp([0]);
  const controller = new PodController({
    cache: {
      policies,
      pods,
      replicaSets: new MemoryStore([replicaSet("web-rs", 3, "1")]),
      deployments: new MemoryStore(),
      endpointSlices: new MemoryStore(),
    },
    pods: writer,
    events,
    tokens: { token: async () => ({ ok: false, message: "no token wanted" }) },
    metrics,
    logger: pino({ level: "silent" }),
    now,
    makeClient: app.makeClient,
    onOutcome: (policy, ending) => outcomes.push([policy, ending]),
  });
  const phase = (key = KEY): DrainPhase | undefined => {
    const [namespace = "", name = ""] = key.split("/");
    const p = pods.get(namespace, name);
    return p && drainStateOf(p).phase;
  };
  const metric = (name: string) => metrics.registry.getSingleMetricAsString(name);
  return {
    clock,
    journal,
    pods,
    policies,
    writer,
    events,
    metrics,
    metric,
    outcomes,
    app,
    controller,
    phase,
  };
}

type Harness = ReturnType<typeof setup>;

interface Step {
  at: number;
  result: ReconcileResult;
  phase: DrainPhase | undefined;
}

/** Reconciles, advancing the clock by each requeue, until a step returns done or leaves the pod in `stopAt`. */
async function drive(h: Harness, stopAt?: DrainPhase, maxSteps = 40): Promise<Step[]> {
  const steps: Step[] = [];
  for (let i = 0; i < maxSteps; i++) {
    const at = h.clock.now();
    const result = await h.controller.reconcile(KEY);
    steps.push({ at, result, phase: h.phase() });
    if (result.kind !== "requeueAfter" || h.phase() === stopAt) return steps;
    h.clock.advance(result.ms);
  }
  throw new Error(`no end after ${maxSteps} steps: ${JSON.stringify(steps.at(-1))}`);
}

const requeues = (steps: Step[]) =>
  steps.map((s) => (s.result.kind === "requeueAfter" ? s.result.ms : s.result.kind));

const requested = (reason: "delete" | "rollout" = "delete") => ({
  phase: "Requested" as const,
  policy: "web",
  reason,
  via: "delete" as const,
  requestedAt: T0 - 500,
});

describe("PodController drain", () => {
  it("drains a gated Ready pod under an Enforce policy, then deletes it", async () => {
    const app = new ScriptedApp([2, 1, 0]);
    const h = setup({ pods: [gatedPod("web-a", { state: requested(), gate: true })], app });

    const steps = await drive(h);

    expect(steps.map((s) => s.phase)).toEqual([
      "Settling", // NotReady
      "Settling", // first quiet read of `accepted`
      "Quiescing", // unchanged for a poll interval: traffic stopped
      "Draining", // POST answered with 2 in flight
      "Draining", // 1 in flight
      "Drained", // 0 in flight: delete
      "Drained", // terminating: nothing more to do
    ]);
    expect(requeues(steps)).toEqual([1000, 1000, 0, 1000, 1000, 1000, "done"]);
    expect(steps.map((s) => s.at - T0)).toEqual([0, 1000, 2000, 2000, 3000, 4000, 5000]);
    // The first GET is read while the pod still serves (Requested): the arrival rate starts there.
    expect(app.calls).toEqual(["GET", "GET", "GET", "POST delete", "GET", "GET"]);
    expect(app.endpoints[0]).toMatchObject({ podIP: "198.18.0.9", port: 8080, path: "/quiesce" });

    expect(h.journal.whats()).toEqual([
      "annotate:Settling",
      "serving:False:Quiescing",
      "event:Normal:QuiesceStarted",
      "annotate:-", // left the endpoints, accepted read
      "annotate:Quiescing",
      "annotate:Draining",
      "annotate:-", // in flight 1
      "annotate:Drained",
      "event:Normal:Drained",
      "remove:delete",
    ]);
    const removal = h.journal.entries.find((e) => e.what === "remove:delete");
    expect(removal?.at).toBe(T0 + 4000);

    const pod = h.pods.get("ns", "web-a");
    expect(pod && drainStateOf(pod)).toMatchObject({ phase: "Drained", outcome: "Drained", inFlight: 0 });
    expect(pod && gateStatus(pod)).toBe(false);
    expect(pod?.metadata?.deletionTimestamp).toBeDefined();
    expect(h.events.recorded.map((e) => [e.type, e.reason, e.target.name])).toEqual([
      ["Normal", "QuiesceStarted", "web-a"],
      ["Normal", "Drained", "web-a"],
    ]);
    expect(h.events.recorded[1]?.message).toBe("drained after 4.0s; deleting pod");

    expect(h.outcomes).toEqual([[POLICY_KEY, "drained"]]);
    expect(await h.metric("quiesce_drains_started_total")).toContain(
      'quiesce_drains_started_total{reason="delete"} 1',
    );
    expect(await h.metric("quiesce_drains_finished_total")).toContain(
      'quiesce_drains_finished_total{outcome="drained"} 1',
    );
    expect(await h.metric("quiesce_drain_duration_seconds")).toContain(
      "quiesce_drain_duration_seconds_sum 4",
    );
    expect(await h.metric("quiesce_drain_in_flight_at_start")).toContain(
      "quiesce_drain_in_flight_at_start_sum 2",
    );
  });

  it("times out an app that never drains and deletes the pod at the deadline", async () => {
    const app = new ScriptedApp([3]);
    const h = setup({
      pods: [gatedPod("web-a", { state: requested(), gate: true })],
      app,
      policy: enforcePolicy(10),
    });

    const steps = await drive(h);

    const ends = steps.filter((s) => s.phase === "TimedOut");
    expect(ends.map((s) => s.at - T0)).toEqual([10_000, 11_000]);
    // Polled every second while draining, up to the deadline.
    expect(requeues(steps).slice(3, -2)).toEqual(Array(8).fill(1000));
    const removals = h.journal.entries.filter((e) => e.what.startsWith("remove:"));
    expect(removals).toEqual([{ at: T0 + 10_000, what: "remove:delete" }]);
    expect(h.journal.whats().slice(-3)).toEqual([
      "annotate:TimedOut",
      "event:Warning:DrainTimedOut",
      "remove:delete",
    ]);
    expect(h.events.recorded.at(-1)?.message).toBe(
      "drain timed out after 10.0s with 3 in flight; deleting pod",
    );
    const pod = h.pods.get("ns", "web-a");
    expect(pod && drainStateOf(pod)).toMatchObject({ phase: "TimedOut", outcome: "TimedOut", inFlight: 3 });
    expect(h.outcomes).toEqual([[POLICY_KEY, "timed_out"]]);
    const finished = await h.metric("quiesce_drains_finished_total");
    expect(finished).toContain('quiesce_drains_finished_total{outcome="timed_out"} 1');
    expect(finished).not.toContain('outcome="drained"');
  });

  it("keeps a pod Requested while a sibling already drains (maxConcurrent 1), with one QuiesceRefused", async () => {
    const h = setup({
      pods: [
        gatedPod("web-a", { rs: "web-rs", state: requested(), gate: true }),
        gatedPod("web-b", {
          rs: "web-rs",
          gate: false,
          state: { ...requested(), phase: "Draining", startedAt: T0 - 400, phaseEnteredAt: T0 - 400 },
        }),
        gatedPod("web-c", { rs: "web-rs", gate: true }),
      ],
    });

    const first = await h.controller.reconcile(KEY);
    h.clock.advance(1000);
    const second = await h.controller.reconcile(KEY);

    expect([first, second]).toEqual([
      { kind: "requeueAfter", ms: 1000 },
      { kind: "requeueAfter", ms: 1000 },
    ]);
    expect(h.phase()).toBe("Requested");
    expect(h.journal.whats()).toEqual(["annotate:-", "event:Warning:QuiesceRefused"]);
    const message = "refusing to quiesce: 1 other pod already quiescing, maxConcurrent is 1";
    expect(h.events.recorded.map((e) => e.message)).toEqual([message]);
    expect(h.pods.get("ns", "web-a")?.metadata?.annotations?.[ANNOTATIONS.refusal]).toBe(message);
    expect(await h.metric("quiesce_drains_refused_by_budget_total")).toContain(
      "quiesce_drains_refused_by_budget_total 2",
    );
    expect(await h.metric("quiesce_drains_started_total")).not.toContain("reason=");

    // The sibling is gone: the slot is free and the drain starts on the next poll.
    h.pods.delete("ns", "web-b");
    h.clock.advance(1000);
    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "requeueAfter", ms: 1000 });
    expect(h.phase()).toBe("Settling");
    expect(h.journal.whats(2)).toEqual([
      "annotate:Settling",
      "serving:False:Quiescing",
      "event:Normal:QuiesceStarted",
    ]);
  });

  it("abandons a drain whose policy was deleted: the pod serves again, Interrupted", async () => {
    const h = setup({
      pods: [gatedPod("web-a", { state: requested(), gate: true })],
      app: new ScriptedApp([5]),
    });
    await drive(h, "Draining");
    const before = h.journal.entries.length;

    h.policies.delete("ns", "web");
    h.clock.advance(1000);

    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(h.journal.whats(before)).toEqual([
      "annotate:Serving",
      "serving:True:PolicyDeleted",
      "event:Warning:DrainInterrupted",
    ]);
    const pod = h.pods.get("ns", "web-a");
    expect(pod && drainStateOf(pod)).toEqual({ phase: "Serving", outcome: "Interrupted" });
    expect(pod && gateStatus(pod)).toBe(true);
    expect(h.events.recorded.at(-1)?.message).toBe(
      "the governing QuiescePolicy was deleted; the pod serves again",
    );
    // Serving again with its gate True: nothing more is written.
    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(h.journal.entries.length).toBe(before + 3);
  });

  it("stops without counting an outcome when a write finds the pod gone", async () => {
    const draining = { ...requested(), phase: "Draining" as const, startedAt: T0, phaseEnteredAt: T0 };
    const h = setup({
      pods: [gatedPod("web-a", { state: draining, gate: false })],
      app: new ScriptedApp([0], true),
    });
    h.writer.vanish("ns", "web-a");

    // The app answers drained: the step would end the drain and delete the pod, but its first write fails.
    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "done" });

    expect(h.app.calls).toEqual(["GET"]);
    expect(h.journal.whats()).toEqual(["annotate:Drained"]);
    expect(h.outcomes).toEqual([]);
    expect(await h.metric("quiesce_drains_finished_total")).not.toContain("outcome=");
  });
});

describe("PodController ensureServing", () => {
  it("sets the serving gate True once, when the containers of a Serving pod are ready", async () => {
    const h = setup({ pods: [gatedPod("web-a", { containersReady: false })] });

    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(h.journal.whats()).toEqual([]); // containers not ready: not yet

    h.pods.put(gatedPod("web-a"));
    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "done" });
    expect(await h.controller.reconcile(KEY)).toEqual({ kind: "done" });

    expect(h.journal.whats()).toEqual(["serving:True:ContainersReady"]);
    const pod = h.pods.get("ns", "web-a");
    expect(pod?.status?.conditions?.find((c) => c.type === SERVING_CONDITION)?.status).toBe("True");
    expect(pod && drainStateOf(pod).phase).toBe("Serving");
    expect(h.events.recorded).toEqual([]);
  });
});
