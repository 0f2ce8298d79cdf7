// Drain state machine: the paths of DESIGN §3 step by step, and a table of every state x every observation kind.
import { describe, expect, it } from "vitest";
import {
  ANNOTATIONS,
  type DrainState,
  fromAnnotations,
  toAnnotations,
} from "../../../operator/api/pod-annotations.ts";
import type { DrainObservation } from "../../../operator/controllers/drain/observation.ts";
import {
  type DrainPolicy,
  drainTiming,
  nextProbe,
  type StepResult,
  step,
} from "../../../operator/controllers/drain/state-machine.ts";
import {
  base,
  ERROR_KINDS,
  events,
  fail,
  kinds,
  ok,
  policy,
  present,
  removes,
  requeueMs,
  T0,
} from "./fixtures.ts";

/** Runs one reconcile the way the controller will: ask nextProbe, answer it, step. */
function reconcile(
  state: DrainState,
  p: DrainPolicy,
  now: number,
  answer: DrainObservation["probe"] extends infer P
    ? (P extends { result: infer R } ? R : never) | undefined
    : never,
  obs: Partial<DrainObservation> = {},
): StepResult {
  const probe = nextProbe(state, p, obs.pod ?? "present");
  return step(
    state,
    { ...present, ...obs, probe: probe && answer ? { call: probe, result: answer } : undefined },
    now,
    p,
  );
}

describe("drain state machine: paths", () => {
  it("drains a pod: NotReady, settle until accepted stops, POST, poll, delete", () => {
    const p = policy();
    let s: DrainState = base("Requested");
    let r = step(s, { pod: "present", gate: true, budget: { allowed: true, message: "ok" } }, T0, p);
    expect(kinds(r)).toEqual(["patchAnnotations", "setServingCondition", "emitEvent", "requeueAfter"]);
    expect(r.actions[1]).toEqual({ type: "setServingCondition", serving: false });
    expect(events(r)[0]).toContain("removed when drained or by 2025-01-02T14:01:00.000Z");
    expect(r.state).toMatchObject({ phase: "Settling", startedAt: T0 });
    s = r.state;

    expect(nextProbe(s, p)).toEqual("status");
    r = reconcile(s, p, T0 + 1000, ok(4, 500));
    expect(r.state).toMatchObject({ phase: "Settling", lastAccepted: 500 });
    r = reconcile(r.state, p, T0 + 2000, ok(4, 503));
    expect(r.state).toMatchObject({ phase: "Settling", lastAccepted: 503 });
    // 3 requests a second: quiet means 5 mean inter-arrival times (1.67 s), not just one poll.
    r = reconcile(r.state, p, T0 + 3000, ok(4, 503));
    expect(r.state.phase).toBe("Settling");
    r = reconcile(r.state, p, T0 + 3667, ok(4, 503));
    expect(r.state.phase).toBe("Quiescing");
    expect(requeueMs(r)).toBe(0);

    expect(nextProbe(r.state, p)).toEqual("quiesce");
    r = reconcile(r.state, p, T0 + 3677, ok(3, 503));
    expect(r.state).toMatchObject({ phase: "Draining", inFlight: 3 });
    expect(removes(r)).toBe(false);
    r = reconcile(r.state, p, T0 + 4010, ok(1, 503));
    expect(r.state).toMatchObject({ phase: "Draining", inFlight: 1 });
    r = reconcile(r.state, p, T0 + 5010, ok(0, 503, "drained"));
    expect(r.state).toMatchObject({ phase: "Drained", outcome: "Drained", inFlight: 0 });
    expect(kinds(r)).toEqual(["patchAnnotations", "emitEvent", "deletePod", "requeueAfter"]);
    expect(events(r)[0]).toBe("Normal/Drained: drained after 5.0s; deleting pod");
    const patch = r.actions[0];
    expect(patch?.type === "patchAnnotations" && patch.annotations[ANNOTATIONS.state]).toBe("Drained");

    // Still there on the next reconcile (a new leader resuming, or the delete failed): the ending Event again, under
    // the same once-key (recorded only if the first never was), and delete again. Terminating: done.
    const again = step(r.state, present, T0 + 6010, p);
    expect(kinds(again)).toEqual(["emitEvent", "deletePod", "requeueAfter"]);
    const onceOf = (x: StepResult) => x.actions.find((a) => a.type === "emitEvent");
    expect(onceOf(again)).toMatchObject({ reason: "Drained", once: `ending-${T0}` });
    expect(onceOf(r)).toMatchObject({ once: `ending-${T0}`, message: onceOf(again)?.message });
    expect(step(r.state, { pod: "terminating", gate: false }, T0 + 6010, p)).toMatchObject({
      done: true,
      actions: [],
    });
  });

  it("does not take two reads close together as proof that traffic stopped", () => {
    const p = policy();
    // 100 arrivals in the second before: a busy pod, quiet after one poll interval without a new one.
    const first = { firstAccepted: 400, firstAcceptedAt: T0, lastAccepted: 400, lastAcceptedAt: T0 };
    let r = reconcile(
      base("Settling", { startedAt: T0, phaseEnteredAt: T0, ...first }),
      p,
      T0 + 1000,
      ok(4, 500),
    );
    // An early reconcile (some pod event) 50 ms later sees the same count: not a whole poll interval of quiet.
    r = reconcile(r.state, p, T0 + 1050, ok(4, 500));
    expect(r.state).toMatchObject({ phase: "Settling", lastAccepted: 500, lastAcceptedAt: T0 + 1000 });
    expect(requeueMs(r)).toBe(950);
    r = reconcile(r.state, p, T0 + 2000, ok(4, 500));
    expect(r.state.phase).toBe("Quiescing");
  });

  it("goes on settling past settleSeconds while accepted still rises, up to maxSettleSeconds", () => {
    const p = policy({ drain: { settleSeconds: 3, maxSettleSeconds: 6 } });
    let r = reconcile(base("Settling"), p, T0 + 1000, ok(1, 1));
    for (const t of [2000, 3000, 4000, 5000]) {
      r = reconcile(r.state, p, T0 + t, ok(1, t / 1000));
      expect(r.state.phase).toBe("Settling"); // a load balancer still sends: settleSeconds alone does not end it
    }
    r = reconcile(r.state, p, T0 + 5500, ok(1, 6));
    expect(requeueMs(r)).toBe(500); // never sleeps past the bound
    r = reconcile(r.state, p, T0 + 6000, ok(1, 7));
    expect(r.state.phase).toBe("Quiescing");
  });

  it("says once that traffic still arrives past settleSeconds, and how the settle ended", () => {
    const p = policy({ drain: { settleSeconds: 3, maxSettleSeconds: 6 } });
    const left = { leftEndpointsAt: T0 + 1000 };
    let r = reconcile(base("Settling", left), p, T0 + 1000, ok(1, 20), { listed: false });
    const warned: string[] = [];
    for (const t of [2000, 3000, 4000, 5000, 6000]) {
      r = reconcile(r.state, p, T0 + t, ok(1, (t / 1000) * 20), { listed: false });
      warned.push(...events(r));
    }
    expect(warned).toEqual([
      "Warning/TrafficStillArriving: traffic still arrives 3s after the pod left the endpoints (20 req/s; a load balancer lags, or the app keeps pooled connections open despite the release): the quiesce waits until it stops, at most 6s after leaving",
    ]);
    expect(r.state).toMatchObject({ phase: "Settling", trafficNotedAt: T0 + 4000 });
    r = reconcile(r.state, p, T0 + 7000, ok(1, 140), { listed: false });
    expect(r.state.phase).toBe("Quiescing");
    expect(r.settled).toEqual({
      by: "bound",
      settleMs: 6000,
      trafficAfterLeavingMs: 6000,
      ratePerSecond: 20,
    });
  });

  it("ends a busy pod's settle one quiet poll after its last arrival, and says so", () => {
    const p = policy();
    let r = reconcile(base("Settling", { leftEndpointsAt: T0 }), p, T0, ok(1, 0), { listed: false });
    r = reconcile(r.state, p, T0 + 1000, ok(1, 100), { listed: false });
    r = reconcile(r.state, p, T0 + 2000, ok(1, 100), { listed: false });
    expect(r.state.phase).toBe("Quiescing");
    expect(r.settled).toEqual({
      by: "quiet",
      settleMs: 2000,
      trafficAfterLeavingMs: 1000,
      ratePerSecond: 100,
    });
  });

  it("a counter that goes down mid-settle: the timer decides, with one SettleOnTimer Event", () => {
    const p = policy({ drain: { settleSeconds: 4 } });
    let r = reconcile(base("Settling", { leftEndpointsAt: T0 }), p, T0, ok(1, 50), { listed: false });
    r = reconcile(r.state, p, T0 + 1000, ok(1, 60), { listed: false });
    r = reconcile(r.state, p, T0 + 2000, ok(1, 2), { listed: false });
    expect(events(r)).toEqual([
      expect.stringMatching(/^Warning\/SettleOnTimer: the app's accepted counter went down \(60 -> 2/),
    ]);
    r = reconcile(r.state, p, T0 + 3000, ok(1, 2), { listed: false });
    expect(r.state.phase).toBe("Settling");
    r = reconcile(r.state, p, T0 + 4000, ok(1, 2), { listed: false });
    expect(r.state.phase).toBe("Quiescing");
    expect(r.settled?.by).toBe("timer");
  });

  it("holds a drained pod's deletion while the app's refusals rise, to the deadline at most", () => {
    const p = policy({ drain: { timeoutSeconds: 20 } });
    const busy = { firstAccepted: 0, firstAcceptedAt: T0, lastAccepted: 100, lastAcceptedAt: T0 + 1000 };
    const refusing = (inFlight: number, refused: number) => ({
      ok: true as const,
      status: {
        state: inFlight ? ("quiescing" as const) : ("drained" as const),
        inFlight,
        accepted: 100,
        refused,
      },
    });
    let r = reconcile(base("Quiescing", { startedAt: T0, ...busy }), p, T0 + 2000, refusing(2, 0));
    expect(r.state).toMatchObject({ phase: "Draining", lastRefused: 0 });
    r = reconcile(r.state, p, T0 + 3000, refusing(0, 5));
    expect(r.state).toMatchObject({ phase: "Draining", inFlight: 0, lastRefusedAt: T0 + 3000 });
    expect(removes(r)).toBe(false);
    expect(events(r)).toEqual([
      expect.stringMatching(/^Warning\/TrafficStillArriving: the app refused 5 new/),
    ]);
    expect(requeueMs(r)).toBe(1000);
    r = reconcile(r.state, p, T0 + 4000, refusing(0, 9));
    expect(removes(r)).toBe(false);
    r = reconcile(r.state, p, T0 + 5000, refusing(0, 9));
    expect(r.state.phase).toBe("Drained");
    expect(removes(r)).toBe(true);
    expect(events(r)[0]).toMatch(/waited for the app's refusals of new work to stop/);

    // Refusals that never stop: the pod is still removed at the deadline, as drained.
    let q = reconcile(
      base("Draining", { startedAt: T0, ...busy, lastRefused: 0 }),
      p,
      T0 + 2000,
      refusing(0, 1),
    );
    for (let t = 3000; t < 20_000; t += 1000) {
      q = reconcile(q.state, p, T0 + t, refusing(0, t));
      expect(removes(q)).toBe(false);
    }
    q = reconcile(q.state, p, T0 + 20_000, refusing(0, 99_999));
    expect(q.state).toMatchObject({ phase: "Drained", outcome: "Drained" });
    expect(removes(q)).toBe(true);
  });

  it("an app that counts refusals and drains at once is read once more before its removal", () => {
    const p = policy();
    const drained = (refused: number) => ({
      ok: true as const,
      status: { state: "drained" as const, inFlight: 0, accepted: 100, refused },
    });
    const r = reconcile(base("Quiescing", { startedAt: T0 }), p, T0 + 2000, drained(0));
    expect(r.state).toMatchObject({ phase: "Draining", inFlight: 0, lastRefused: 0 });
    expect(removes(r)).toBe(false);
    expect(requeueMs(r)).toBe(1000);
    // A reconcile woken early (an EndpointSlice event) does not cut the wait short.
    const early = reconcile(r.state, p, T0 + 2040, drained(0));
    expect(early.state.phase).toBe("Draining");
    expect(removes(early)).toBe(false);
    expect(requeueMs(early)).toBe(960);
    const quiet = reconcile(r.state, p, T0 + 3000, drained(0));
    expect(quiet.state.phase).toBe("Drained");
    expect(removes(quiet)).toBe(true);
    const refusing = reconcile(r.state, p, T0 + 3000, drained(3));
    expect(refusing.state).toMatchObject({ phase: "Draining", lastRefusedAt: T0 + 3000 });
    expect(removes(refusing)).toBe(false);
  });

  it("a settle that ended on quiet needs no extra reading: the drained-at-once pod goes at once", () => {
    const p = policy();
    // 100 req/s until T0 + 1 s, quiet since: the settle ended on quiet at T0 + 2 s.
    const quiet = {
      startedAt: T0 - 5000,
      leftEndpointsAt: T0,
      firstAccepted: 0,
      firstAcceptedAt: T0 - 4000,
      lastAccepted: 500,
      lastAcceptedAt: T0 + 1000,
    };
    const drained = {
      ok: true as const,
      status: { state: "drained" as const, inFlight: 0, accepted: 500, refused: 0 },
    };
    const r = reconcile(base("Quiescing", quiet), p, T0 + 2000, drained);
    expect(r.state.phase).toBe("Drained");
    expect(removes(r)).toBe(true);
  });

  it("an app without `refused` is deleted once drained, as before", () => {
    const p = policy();
    const r = reconcile(base("Draining", { startedAt: T0 }), p, T0 + 2000, ok(0, 100, "drained"));
    expect(r.state.phase).toBe("Drained");
    expect(removes(r)).toBe(true);
  });

  it("restarts the settle wait while the gate is not seen False (a lost write) and sets it again", () => {
    const p = policy({ drain: { settleSeconds: 2 } });
    // The previous leader wrote Settling at T0 and died before the gate: by T0 + 5 s the settle bound has passed.
    let r = reconcile(base("Settling"), p, T0 + 5000, ok(1, 7), { gate: true });
    expect(r.state).toMatchObject({ phase: "Settling", phaseEnteredAt: T0 + 5000, startedAt: T0 });
    // The reading still counts as evidence of the arrival rate.
    expect(r.state).toMatchObject({ firstAccepted: 7, lastAccepted: 7 });
    expect(kinds(r)).toEqual(["patchAnnotations", "setServingCondition", "requeueAfter"]);
    // Gate now False: the settle runs from T0 + 5 s, not from T0 (no arrival seen: the timer, settleSeconds).
    r = reconcile(r.state, p, T0 + 6000, ok(1, 7));
    expect(r.state.phase).toBe("Settling");
    r = reconcile(r.state, p, T0 + 7000, ok(1, 7));
    expect(r.state.phase).toBe("Quiescing");
  });

  it("does not start the settle wait while an EndpointSlice still lists the pod as serving", () => {
    const p = policy({ drain: { settleSeconds: 2 } });
    let r = reconcile(base("Settling"), p, T0 + 1000, ok(1, 7), { listed: true });
    expect(r.state).toMatchObject({ phase: "Settling", phaseEnteredAt: T0 + 1000 });
    expect(kinds(r)).toEqual(["patchAnnotations", "requeueAfter"]);
    expect(requeueMs(r)).toBe(1000);
    // The EndpointSlice controller lags for 4 s (as after an API server restart): still no quiesce at T0 + 5 s.
    for (const t of [2000, 3000, 4000, 5000]) {
      r = reconcile(r.state, p, T0 + t, ok(1, 7 + t), { listed: true });
      expect(r.state.phase).toBe("Settling");
    }
    r = reconcile(r.state, p, T0 + 6000, ok(1, 9000), { listed: false });
    expect(r.state).toMatchObject({ phase: "Settling", phaseEnteredAt: T0 + 5000, lastAccepted: 9000 });
    r = reconcile(r.state, p, T0 + 7000, ok(1, 9000), { listed: false });
    expect(r.state.phase).toBe("Quiescing");
  });

  it("holds the removal past the deadline while a Service still routes to the pod, then removes it", () => {
    const p = policy({ drain: { timeoutSeconds: 5, settleSeconds: 2 } });
    // Deadline T0 + 5 s, the pod still listed (an EndpointSlice controller stale after an API server restart).
    let r = reconcile(base("Settling"), p, T0 + 5000, ok(1, 7), { listed: true });
    expect(r.state).toMatchObject({ phase: "Settling", heldAt: T0 + 5000 });
    expect(removes(r)).toBe(false);
    expect(events(r)).toEqual([
      "Warning/RemovalHeld: drain timeout reached while a Service still routes to the pod (an EndpointSlice lists it as serving); its removal waits until it has left the endpoints, at most 5s more",
    ]);
    r = reconcile(r.state, p, T0 + 6000, ok(1, 8), { listed: true });
    expect(events(r)).toEqual([]); // said once
    // Out of the endpoints at T0 + 7 s: still held for settleSeconds while load balancers catch up.
    r = reconcile(r.state, p, T0 + 7000, ok(1, 9), { listed: false });
    expect(r.state).toMatchObject({ phase: "Settling", leftEndpointsAt: T0 + 7000 });
    expect(requeueMs(r)).toBe(1000);
    r = reconcile(r.state, p, T0 + 9000, ok(1, 9), { listed: false });
    expect(r.state).toMatchObject({ phase: "TimedOut", outcome: "TimedOut" });
    expect(removes(r)).toBe(true);
    expect(events(r)[0]).toContain("removal held 4.0s for the endpoints");
  });

  it("holds at most one more timeoutSeconds: a pod listed for ever is still removed", () => {
    const p = policy({ drain: { timeoutSeconds: 5, settleSeconds: 2 } });
    const r = reconcile(base("Settling", { heldAt: T0 + 5000 }), p, T0 + 10_000, ok(1, 7), { listed: true });
    expect(r.state).toMatchObject({ phase: "TimedOut" });
    expect(removes(r)).toBe(true);
  });

  it("does not hold a drain already past Settling: the app was quiesced and left the endpoints", () => {
    const p = policy({ drain: { timeoutSeconds: 5, settleSeconds: 2 } });
    const r = reconcile(base("Draining"), p, T0 + 5000, ok(3), { listed: true });
    expect(r.state).toMatchObject({ phase: "TimedOut" });
  });

  it("without an endpoint, counts the settle from when the pod left the endpoints", () => {
    const p = policy({ endpoint: false, drain: { settleSeconds: 2 } });
    let r = step(base("Settling"), { ...present, listed: true }, T0 + 3000, p);
    expect(r.state).toMatchObject({ phase: "Settling", phaseEnteredAt: T0 + 3000 });
    r = step(r.state, { ...present, listed: false }, T0 + 4000, p);
    expect(r.state).toMatchObject({ phase: "Settling", leftEndpointsAt: T0 + 4000 });
    r = step(r.state, { ...present, listed: false }, T0 + 5000, p);
    expect(r.state.phase).toBe("Settling");
    r = step(r.state, { ...present, listed: false }, T0 + 6000, p);
    expect(r.state.phase).toBe("Drained");
  });

  it("counts settleSeconds from the first step that sees the pod out of every EndpointSlice", () => {
    const p = policy({ drain: { settleSeconds: 2 } });
    // Gate written at T0; the EndpointSlice controller lags, so the operator first sees the pod unlisted at
    // T0 + 1.5 s. Accepted keeps moving (requests still in propagation).
    let r = reconcile(base("Settling"), p, T0 + 1500, ok(1, 10), { listed: false });
    expect(r.state).toMatchObject({ phase: "Settling", leftEndpointsAt: T0 + 1500, lastAccepted: 10 });
    expect(kinds(r)).toEqual(["patchAnnotations", "requeueAfter"]); // one write for both
    r = reconcile(r.state, p, T0 + 2500, ok(1, 20), { listed: false });
    r = reconcile(r.state, p, T0 + 3000, ok(1, 30), { listed: false });
    expect(r.state.phase).toBe("Settling"); // T0 + 2 s passed: counting from the gate write would have quiesced
    r = reconcile(r.state, p, T0 + 3500, ok(1, 40), { listed: false });
    expect(r.state.phase).toBe("Settling"); // settleSeconds from leaving passed, but requests still arrive
    // 30 arrivals in 2 s: quiet after one poll interval with none.
    r = reconcile(r.state, p, T0 + 4500, ok(1, 40), { listed: false });
    expect(r.state).toMatchObject({ phase: "Quiescing", leftEndpointsAt: T0 + 1500 });
  });

  it("ends with an eviction when the drain began with one", () => {
    const r = reconcile(base("Draining", { via: "evict" }), policy(), T0 + 1000, ok(0));
    expect(kinds(r)).toContain("evictPod");
    expect(kinds(r)).not.toContain("deletePod");
  });

  it("times out at timeoutSeconds from started-at and deletes, with DrainTimedOut", () => {
    const p = policy({ drain: { timeoutSeconds: 30 } });
    const s = base("Draining", { inFlight: 7 });
    const before = reconcile(s, p, T0 + 29_500, ok(7));
    expect(before.state.phase).toBe("Draining");
    expect(requeueMs(before)).toBe(500);
    const r = reconcile(s, p, T0 + 30_000, ok(7));
    expect(r.state).toMatchObject({ phase: "TimedOut", outcome: "TimedOut" });
    expect(events(r)).toEqual([
      "Warning/DrainTimedOut: drain timed out after 30.0s with 7 in flight; deleting pod",
    ]);
    expect(kinds(r)).toContain("deletePod");
  });

  it("keeps the pod on timeout with onTimeout Keep, flagged and done", () => {
    const p = policy({ drain: { timeoutSeconds: 30, onTimeout: "Keep" } });
    const r = reconcile(base("Draining", { inFlight: 2 }), p, T0 + 31_000, fail("timeout"));
    expect(r).toMatchObject({ done: true, state: { phase: "TimedOut", outcome: "Kept" } });
    expect(removes(r)).toBe(false);
    expect(events(r).find((e) => e.includes("DrainTimedOut"))).toContain("keeping pod (onTimeout: Keep)");
    expect(step(r.state, present, T0 + 40_000, p)).toMatchObject({ done: true, actions: [] });
  });

  it("reports an endpoint error seen in the step that reaches the deadline, in its own Event and the timeout's", () => {
    const p = policy({ drain: { timeoutSeconds: 30 } });
    const r = reconcile(base("Quiescing"), p, T0 + 31_000, fail("timeout"));
    expect(r.state.phase).toBe("TimedOut");
    const [error, timedOut] = [
      events(r).find((e) => e.includes("EndpointError")),
      events(r).find((e) => e.includes("DrainTimedOut")),
    ];
    expect(error).toContain("timeout: timeout happened");
    expect(timedOut).toContain("(last endpoint error: timeout: timeout happened)");
    // Already reported in an earlier step: the timeout names it, no second EndpointError.
    const again = reconcile(
      base("Draining", { lastError: "timeout: timeout happened" }),
      p,
      T0 + 31_000,
      fail("timeout"),
    );
    expect(events(again).filter((e) => e.includes("EndpointError"))).toEqual([]);
  });

  it("reports an endpoint error seen in the step that ends the settle time", () => {
    const p = policy({ drain: { timeoutSeconds: 30, settleSeconds: 1 } });
    const r = reconcile(base("Settling", { phaseEnteredAt: T0 }), p, T0 + 1500, fail("refused"));
    expect(r.state.phase).toBe("Quiescing");
    expect(
      events(r).some((e) => e.includes("EndpointError") && e.includes("refused: refused happened")),
    ).toBe(true);
  });

  it("a drained answer wins over a deadline it arrived at", () => {
    const r = reconcile(base("Draining"), policy({ drain: { timeoutSeconds: 30 } }), T0 + 30_000, ok(0));
    expect(r.state.outcome).toBe("Drained");
  });

  it("resumes from annotations after a restart without extending the timeout", () => {
    const p = policy({ drain: { timeoutSeconds: 30 } });
    const mid = reconcile(base("Draining"), p, T0 + 10_000, ok(5)).state;
    const restored = fromAnnotations(
      Object.fromEntries(Object.entries(toAnnotations(mid)).filter(([, v]) => v !== null)),
    );
    expect(restored).toEqual(mid);
    expect(reconcile(restored, p, T0 + 30_000, ok(5)).state.phase).toBe("TimedOut");
  });

  it("restarts the clock once when started-at was lost, and persists it", () => {
    const s = base("Draining");
    delete s.startedAt;
    const r = reconcile(s, policy(), T0 + 5000, ok(2));
    expect(r.state.startedAt).toBe(T0 + 5000);
    const patch = r.actions.find((a) => a.type === "patchAnnotations");
    expect(patch?.type === "patchAnnotations" && patch.annotations[ANNOTATIONS.startedAt]).toBe(
      new Date(T0 + 5000).toISOString(),
    );
  });

  it("without an endpoint: NotReady, settleSeconds, then removal", () => {
    const p = policy({ endpoint: false, drain: { settleSeconds: 5 } });
    expect(nextProbe(base("Settling"), p)).toBeUndefined();
    const wait = step(base("Settling"), present, T0 + 2000, p);
    expect(wait.state.phase).toBe("Settling");
    expect(requeueMs(wait)).toBe(1000);
    const r = step(base("Settling"), present, T0 + 5000, p);
    expect(r.state.phase).toBe("Drained");
    expect(events(r)[0]).toContain("no endpoint: NotReady for 5s");
    expect(kinds(r)).toContain("deletePod");
  });

  it("refuses over budget with one QuiesceRefused Event per distinct message", () => {
    const p = policy();
    const refused = {
      allowed: false as const,
      message: "refusing to quiesce: only 0 other pods serving, minServing is 1",
    };
    const r1 = step(base("Requested"), { pod: "present", gate: true, budget: refused }, T0, p);
    expect(events(r1)).toEqual([`Warning/QuiesceRefused: ${refused.message}`]);
    expect(r1.state.phase).toBe("Requested");
    expect(kinds(r1)).not.toContain("setServingCondition");
    const r2 = step(r1.state, { pod: "present", gate: true, budget: refused }, T0 + 1000, p);
    expect(events(r2)).toEqual([]);
    expect(requeueMs(r2)).toBe(1000);
    const r3 = step(
      r2.state,
      { pod: "present", gate: true, budget: { allowed: true, message: "ok" } },
      T0 + 9000,
      p,
    );
    expect(r3.state).toMatchObject({ phase: "Settling", startedAt: T0 + 9000 });
    expect(r3.state.refusal).toBeUndefined();
  });

  it("unquiesces when a rollout is undone: DELETE to the app, gate True, Serving", () => {
    const p = policy();
    const r = step(base("Draining", { inFlight: 3 }), { ...present, revisionIsCurrent: true }, T0 + 2000, p);
    expect(r.state.phase).toBe("Unquiescing");
    expect(nextProbe(r.state, p)).toEqual("unquiesce");
    const failed = reconcile(r.state, p, T0 + 2100, fail("refused"));
    expect(failed.state.phase).toBe("Unquiescing");
    expect(events(failed)[0]).toContain("EndpointError");
    const done = reconcile(failed.state, p, T0 + 3100, ok(0, 9, "serving"));
    expect(done).toMatchObject({
      done: true,
      state: { phase: "Serving", outcome: "Unquiesced", policy: "sprout" },
    });
    expect(done.actions).toContainEqual({ type: "setServingCondition", serving: true });
    expect(events(done)[0]).toContain("Normal/Unquiesced");
  });

  it("unquiesces while settling without calling the app, and never for a plain delete", () => {
    const back = step(base("Settling"), { ...present, revisionIsCurrent: true }, T0 + 1000, policy());
    expect(back.state.phase).toBe("Serving");
    const del = reconcile(base("Draining", { reason: "delete" }), policy(), T0 + 1000, ok(2), {
      revisionIsCurrent: true,
    });
    expect(del.state.phase).toBe("Draining");
  });

  it("gives up unquiescing after timeoutSeconds, serving again with a warning", () => {
    const p = policy({ drain: { timeoutSeconds: 20 } });
    const r = reconcile(base("Unquiescing"), p, T0 + 20_000, fail("refused"));
    expect(r.state).toMatchObject({ phase: "Serving", outcome: "UnquiesceFailed" });
    expect(events(r)[0]).toContain("Warning/UnquiesceFailed");
  });

  it("DryRun never gates: it reports what a drain would wait for", () => {
    const p = policy({ mode: "DryRun" });
    expect(nextProbe(base("Requested"), p)).toEqual("status");
    const r = reconcile(base("Requested"), p, T0, ok(12));
    expect(r).toMatchObject({ done: true, state: { phase: "Serving", outcome: "DryRun" } });
    expect(kinds(r)).not.toContain("setServingCondition");
    expect(removes(r)).toBe(false);
    expect(events(r)[0]).toBe(
      "Normal/DryRun: DryRun: a drain would mark NotReady, wait up to 10s for traffic to stop, POST /quiesce, wait for 12 in flight (at most 60s), then remove the pod",
    );
    const deleting = reconcile({ phase: "Serving" }, p, T0, fail("timeout"), { pod: "terminating" });
    expect(events(deleting)[0]).toContain("endpoint error: timeout");
    expect(step(deleting.state, { pod: "terminating" }, T0 + 1, p)).toMatchObject({
      done: true,
      actions: [],
    });
  });

  it("emits one EndpointError per distinct error and keeps polling", () => {
    const p = policy();
    const r1 = reconcile(base("Quiescing"), p, T0 + 1000, fail("refused", "connect ECONNREFUSED"));
    const r2 = reconcile(r1.state, p, T0 + 2000, fail("refused", "connect ECONNREFUSED"));
    const r3 = reconcile(r2.state, p, T0 + 3000, fail("http-status", "500"));
    expect([events(r1).length, events(r2).length, events(r3).length]).toEqual([1, 0, 1]);
    expect(r3.state.phase).toBe("Quiescing");
    expect(requeueMs(r3)).toBe(1000);
  });

  it("asks again when the app forgot the quiesce", () => {
    const r = reconcile(base("Draining"), policy(), T0 + 1000, ok(4, 10, "serving"));
    expect(r.state.phase).toBe("Quiescing");
  });

  it("ignores a probe answering another question", () => {
    const r = step(
      base("Settling"),
      { ...present, probe: { call: "quiesce", result: ok(0) } },
      T0 + 1000,
      policy(),
    );
    expect(r.state).toEqual(base("Settling"));
  });

  it("re-asserts the gate when the pod shows it True mid-drain", () => {
    const r = reconcile(base("Draining"), policy(), T0 + 1000, ok(3), { gate: true });
    expect(r.actions).toContainEqual({ type: "setServingCondition", serving: false });
  });
});

// ---- every state x every observation kind ----

const STATES: Array<[string, DrainState]> = [
  ["Serving", { phase: "Serving" }],
  ["Requested", base("Requested")],
  ["Settling", base("Settling")],
  ["Quiescing", base("Quiescing")],
  ["Draining", base("Draining", { inFlight: 5 })],
  ["Drained", base("Drained", { outcome: "Drained" })],
  ["TimedOut", base("TimedOut", { outcome: "TimedOut" })],
  ["TimedOut/Kept", base("TimedOut", { outcome: "Kept" })],
  ["Unquiescing", base("Unquiescing")],
];

type ObsMaker = (s: DrainState, p: DrainPolicy) => DrainObservation;
const withProbe =
  (
    result: Parameters<typeof fail>[0] extends string
      ? ReturnType<typeof ok> | ReturnType<typeof fail>
      : never,
  ): ObsMaker =>
  (s, p) => {
    const call = nextProbe(s, p);
    return { ...present, probe: call ? { call, result } : undefined };
  };

const OBSERVATIONS: Array<[string, ObsMaker]> = [
  ["gone", () => ({ pod: "gone" })],
  ["terminating", () => ({ pod: "terminating", gate: false })],
  ["present, no probe", () => present],
  ["probe ok, work left", withProbe(ok(3, 42))],
  ["probe ok, drained", withProbe(ok(0, 42, "drained"))],
  ...ERROR_KINDS.map((k): [string, ObsMaker] => [`probe ${k}`, withProbe(fail(k))]),
  [
    "budget refused",
    () => ({ ...present, budget: { allowed: false, message: "refusing to quiesce: test" } }),
  ],
  ["budget allowed", () => ({ ...present, budget: { allowed: true, message: "ok" } })],
  ["revision current", () => ({ ...present, revisionIsCurrent: true })],
  [
    "garbage",
    () =>
      ({
        pod: 7,
        gate: "yes",
        probe: { call: "status", result: { ok: true } },
      }) as unknown as DrainObservation,
  ],
];

/** What each state does at T0 + 2 s (well inside every bound) for each observation kind. */
function expected(state: string, obs: string): string {
  if (obs === "gone") return "done";
  const removalDone = state === "Drained" || state === "TimedOut";
  if (obs === "terminating") {
    if (state === "Serving" || removalDone || state === "TimedOut/Kept") return "done";
    return "Interrupted";
  }
  switch (state) {
    case "Serving":
      return "done";
    case "Requested":
      if (obs === "budget allowed") return "Settling";
      if (obs === "revision current") return "Serving";
      return "Requested";
    case "Settling":
      if (obs === "revision current") return "Serving";
      return "Settling";
    case "Quiescing":
    case "Draining":
      if (obs === "revision current") return "Unquiescing";
      if (obs === "probe ok, drained") return "remove";
      if (obs === "probe ok, work left") return "Draining";
      return state;
    case "Drained":
    case "TimedOut":
      return "remove";
    case "TimedOut/Kept":
      return "done";
    case "Unquiescing":
      if (obs.startsWith("probe ok")) return "Serving";
      return "Unquiescing";
  }
  return "?";
}

function describeResult(r: StepResult): string {
  if (removes(r)) return "remove";
  if (r.state.outcome === "Interrupted") return "Interrupted";
  if (r.done && r.actions.length === 0) return "done";
  return r.state.phase;
}

describe("drain state machine: every state x every observation", () => {
  const p = policy();
  const cells = STATES.flatMap(([sn, s]) => OBSERVATIONS.map(([on, o]) => [sn, on, s, o] as const));
  it.each(cells)("%s + %s", (sn, on, s, make) => {
    const r = step(s, make(s, p), T0 + 2000, p);
    expect(describeResult(r)).toBe(expected(sn, on));
    if (!r.done) expect(requeueMs(r)).toBeGreaterThanOrEqual(0);
    if (removes(r)) expect(["Drained", "TimedOut"]).toContain(r.state.phase);
    if (sn === "Serving") expect(r.actions).toEqual([]);
  });
});

describe("a policy whose timing cannot be used", () => {
  it.each([
    ["timeoutSeconds", { timeoutSeconds: Number.NaN }],
    ["timeoutSeconds", { timeoutSeconds: 0 }],
    ["timeoutSeconds", { timeoutSeconds: -30 }],
    ["pollIntervalSeconds", { pollIntervalSeconds: 0 }],
    ["settleSeconds", { settleSeconds: -1 }],
  ])("keeps the pod and says why (%s %o), never shortening the drain", (field, drain) => {
    // The schema behind the CRD rejects it; a policy that got past it anyway is still handled safely.
    expect(() => policy({ drain })).toThrow();
    const valid = policy();
    const p: DrainPolicy = { ...valid, drain: { ...valid.drain, ...drain } };
    expect(drainTiming(p)).toContain(field);
    for (const phase of ["Requested", "Settling", "Quiescing", "Draining"] as const) {
      const s = base(phase, { startedAt: T0 - 3_600_000 });
      const r = step(s, { ...present, budget: { allowed: true, message: "ok" } }, T0, p);
      expect(removes(r)).toBe(false);
      expect(r.state.phase).toBe(phase);
      expect(events(r)).toEqual([expect.stringContaining(`${field} is`)]);
      expect(r.actions.find((a) => a.type === "emitEvent")).toMatchObject({ reason: "PolicyInvalid" });
      expect(requeueMs(r)).toBe(10_000);
      // Said once: the next step finds the reason recorded and stays quiet.
      const again = step(r.state, present, T0 + 10_000, p);
      expect(events(again)).toEqual([]);
      expect(removes(again)).toBe(false);
    }
  });

  it("a valid policy's timing is read in milliseconds", () => {
    expect(
      drainTiming(policy({ drain: { timeoutSeconds: 30, pollIntervalSeconds: 2, settleSeconds: 5 } })),
    ).toEqual({
      timeoutMs: 30_000,
      pollMs: 2_000,
      settleMs: 5_000,
      maxSettleMs: 120_000,
    });
  });
});

describe("typed outcomes", () => {
  it("a step says when it starts a drain and how it ends one", () => {
    const p = policy();
    const start = step(base("Requested"), { ...present, budget: { allowed: true, message: "ok" } }, T0, p);
    expect(start.started).toBe(true);
    expect(start.ended).toBeUndefined();
    const drained = step(
      base("Draining", { startedAt: T0 }),
      { ...present, probe: { call: "status", result: ok(0) } },
      T0 + 5000,
      p,
    );
    expect(drained.ended).toBe("drained");
    const timedOut = step(base("Draining", { startedAt: T0 }), present, T0 + 61_000, p);
    expect(timedOut.ended).toBe("timed_out");
    const cut = step(base("Draining", { startedAt: T0 }), { pod: "terminating" }, T0 + 1000, p);
    expect(cut.ended).toBe("interrupted");
    expect(step(cut.state, { pod: "terminating" }, T0 + 2000, p).ended).toBeUndefined();
    const undone = step(
      base("Settling", { startedAt: T0, reason: "rollout" }),
      { ...present, revisionIsCurrent: true },
      T0 + 1000,
      p,
    );
    expect(undone.ended).toBe("unquiesced");
    const poll = step(
      base("Draining", { startedAt: T0 }),
      { ...present, probe: { call: "status", result: ok(3) } },
      T0 + 1000,
      p,
    );
    expect(poll.started ?? poll.ended).toBeUndefined();
  });
});
