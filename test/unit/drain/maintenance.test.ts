// Maintenance mode in the drain state machine: quiesce without the budget, keep the pod, unquiesce when lifted.
import { describe, expect, it } from "vitest";
import type { DrainState } from "../../../operator/api/pod-annotations.ts";
import { nextProbe, step } from "../../../operator/controllers/drain/state-machine.ts";
import { base, events, kinds, ok, policy, removes, T0 } from "./fixtures.ts";

const p = policy();
const probeFor = (state: DrainState, answer: ReturnType<typeof ok>) => {
  const probe = nextProbe(state, p);
  return probe ? { call: probe, result: answer } : undefined;
};

describe("maintenance mode", () => {
  it("quiesces every pod regardless of the budget and keeps it, out of service, until lifted", () => {
    let s: DrainState = base("Requested", { reason: "maintenance" });
    // The budget would refuse (no other pod serving): maintenance ignores it.
    let r = step(
      s,
      { pod: "present", gate: true, maintenance: true, budget: { allowed: false, message: "no" } },
      T0,
      p,
    );
    expect(r.state.phase).toBe("Settling");
    s = r.state;
    r = step(
      s,
      { pod: "present", gate: false, maintenance: true, probe: probeFor(s, ok(2, 10)) },
      T0 + 1000,
      p,
    );
    // No request arrived since the removal began: no rate to judge quiet by, so the timer (settleSeconds, 10 s).
    r = step(
      r.state,
      { pod: "present", gate: false, maintenance: true, probe: probeFor(r.state, ok(2, 10)) },
      T0 + 2000,
      p,
    );
    expect(r.state.phase).toBe("Settling");
    r = step(
      r.state,
      { pod: "present", gate: false, maintenance: true, probe: probeFor(r.state, ok(2, 10)) },
      T0 + 11_000,
      p,
    );
    expect(r.state.phase).toBe("Quiescing");
    r = step(
      r.state,
      { pod: "present", gate: false, maintenance: true, probe: probeFor(r.state, ok(2, 10)) },
      T0 + 2010,
      p,
    );
    expect(r.state.phase).toBe("Draining");
    r = step(
      r.state,
      { pod: "present", gate: false, maintenance: true, probe: probeFor(r.state, ok(0, 10, "drained")) },
      T0 + 3000,
      p,
    );
    expect(r.state).toMatchObject({ phase: "Drained", reason: "maintenance" });
    expect(removes(r)).toBe(false);
    expect(r.done).toBe(true);
    expect(events(r)[0]).toContain("kept out of service until unquiesced");
    // Still in maintenance: nothing to do, never removed.
    const held = step(r.state, { pod: "present", gate: false, maintenance: true }, T0 + 60_000, p);
    expect(held).toMatchObject({ done: true, actions: [] });

    // Lifted: DELETE to the app, then serving again with the gate True.
    r = step(r.state, { pod: "present", gate: false, maintenance: false }, T0 + 70_000, p);
    expect(r.state.phase).toBe("Unquiescing");
    expect(nextProbe(r.state, p)).toEqual("unquiesce");
    r = step(
      r.state,
      { pod: "present", gate: false, maintenance: false, probe: probeFor(r.state, ok(0, 10)) },
      T0 + 70_010,
      p,
    );
    expect(r.state.phase).toBe("Serving");
    expect(kinds(r)).toContain("setServingCondition");
    expect(r.actions.find((a) => a.type === "setServingCondition")).toEqual({
      type: "setServingCondition",
      serving: true,
    });
  });

  it("lifting maintenance before the quiesce started puts the pod straight back", () => {
    const r = step(
      base("Requested", { reason: "maintenance" }),
      { pod: "present", gate: true, maintenance: false },
      T0,
      p,
    );
    expect(r.state.phase).toBe("Serving");
    expect(events(r)[0]).toContain("maintenance lifted");
  });
});
