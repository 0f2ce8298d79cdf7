// Quiet detection from the app's own arrival rate: a table of traffic shapes, and properties over any readings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DrainState } from "../../../operator/api/pod-annotations.ts";
import {
  MAX_ARRIVALS_PER_SECOND,
  quietNeededMs,
  refusalsQuietAt,
  withReading,
  withRefusals,
} from "../../../operator/controllers/drain/arrival-evidence.ts";
import type { ProbeResult } from "../../../operator/controllers/drain/observation.ts";
import { ok, T0 } from "./fixtures.ts";

const POLL = 1000;
const BOUND = 120_000;

/** The state after reading `counts` once a second from T0. */
function readEverySecond(counts: readonly number[]): DrainState {
  return counts.reduce<DrainState>((s, accepted, i) => withReading(s, ok(0, accepted), T0 + i * 1000).state, {
    phase: "Settling",
  });
}

describe("quiet detection", () => {
  it.each([
    ["busy: 100 req/s", [0, 100, 200, 300], POLL],
    ["moderate: 2 req/s", [0, 2, 4, 6], 2500],
    ["low rate: one request every 3 s", [0, 0, 0, 1, 1, 1, 2], 15_000],
    ["one request, 2 s after the first read", [5, 5, 6], 10_000],
    ["nothing arrived: no rate, the timer decides", [7, 7, 7, 7], undefined],
  ])("%s needs %s ms of quiet", (_name, counts, needed) => {
    expect(quietNeededMs(readEverySecond(counts), POLL, BOUND)).toBe(needed);
  });

  it("a counter that went down (the app restarted) starts the evidence over", () => {
    const s = readEverySecond([100, 150, 3]);
    expect(s).toMatchObject({ firstAccepted: 3, firstAcceptedAt: T0 + 2000, lastAccepted: 3 });
    expect(quietNeededMs(s, POLL, BOUND)).toBeUndefined();
  });

  it("a failed read changes nothing", () => {
    const s = readEverySecond([1, 4]);
    expect(withReading(s, { ok: false, kind: "timeout", message: "slow" }, T0 + 9000)).toEqual({
      state: s,
      events: [],
    });
  });

  it("for any readings: the need is within [poll, bound], and more traffic never needs longer quiet", () => {
    const increments = fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(increments, fc.integer({ min: 1, max: 10 }), (steps, factor) => {
        const counts = [0];
        for (const d of steps) counts.push((counts.at(-1) ?? 0) + d);
        const needed = quietNeededMs(readEverySecond(counts), POLL, BOUND);
        if (counts.at(-1) === 0) expect(needed).toBeUndefined();
        else {
          expect(needed).toBeGreaterThanOrEqual(POLL);
          expect(needed).toBeLessThanOrEqual(BOUND);
          // The same pattern with `factor` times the requests: never a longer wait.
          const busier = quietNeededMs(readEverySecond(counts.map((c) => c * factor)), POLL, BOUND);
          expect(busier).toBeLessThanOrEqual(needed as number);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("a counter that gives no evidence: the timer decides, an Event says so once", () => {
  const read = (s: DrainState, probe: ProbeResult, at: number) => withReading(s, probe, at);
  const unusable = (issue?: string): ProbeResult => ({
    ok: true,
    status: { state: "serving", inFlight: 0, ...(issue ? { counterIssue: issue } : {}) },
  });

  it.each([
    ["went down", ok(0, 3), /accepted counter went down \(120 -> 3: did it restart\?\)/],
    ["jumped", ok(0, 120 + 3 * MAX_ARRIVALS_PER_SECOND), /accepted counter jumped by 3000000 in 1\.0s/],
    ["is missing", unusable(), /accepted counter is unusable \(accepted is missing\)/],
    ["is not a count", unusable('accepted is not a count ("12")'), /is not a count \("12"\)/],
  ])("%s", (_name, probe, message) => {
    const before = readEverySecond([100, 110, 120]);
    const r = read(before, probe, T0 + 3000);
    expect(r.events).toEqual([
      expect.objectContaining({
        eventType: "Warning",
        reason: "SettleOnTimer",
        message: expect.stringMatching(message),
      }),
    ]);
    expect(quietNeededMs(r.state, POLL, BOUND)).toBeUndefined();
    // The same cause again: no second Event.
    expect(read(r.state, probe, T0 + 4000).events).toEqual([]);
  });

  it("a counter that keeps falling: one Event for the cause, whatever the numbers", () => {
    let s = readEverySecond([900]);
    const all: unknown[] = [];
    for (let i = 1; i <= 5; i++) {
      const r = read(s, ok(0, 900 - i * 100), T0 + i * 1000);
      all.push(...r.events);
      s = r.state;
    }
    expect(all).toHaveLength(1);
    expect(s.evidenceIssue).toBe("went-down");
  });

  it("evidence resumes from the next usable reading", () => {
    const lost = read(readEverySecond([100, 110, 120]), unusable(), T0 + 3000).state;
    const again = [130, 140, 150].reduce((s, c, i) => read(s, ok(0, c), T0 + (4 + i) * 1000).state, lost);
    expect(again).toMatchObject({ firstAccepted: 130, lastAccepted: 150 });
    expect(quietNeededMs(again, POLL, BOUND)).toBe(POLL);
  });

  it("for any counter values, finite or not: never throws, always a state", () => {
    const value = fc.oneof(fc.integer(), fc.double(), fc.constant(undefined));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 20 }), (values) => {
        let s: DrainState = { phase: "Settling" };
        values.forEach((v, i) => {
          const probe = {
            ok: true,
            status: { state: "serving", inFlight: 0, accepted: v },
          } as ProbeResult;
          s = withReading(s, probe, T0 + i * 1000).state;
        });
        const needed = quietNeededMs(s, POLL, BOUND);
        expect(needed === undefined || (needed >= POLL && needed <= BOUND)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("refusals after the quiesce", () => {
  const refused = (n: number): ProbeResult => ({
    ok: true,
    status: { state: "drained", inFlight: 0, accepted: 0, refused: n },
  });
  const busy = readEverySecond([0, 10, 20, 30]); // 10 req/s: quiet needs one poll

  it("the first reading is the baseline, a rise holds the removal once per drain with one Event", () => {
    const base = withRefusals(busy, refused(4), T0 + 10_000);
    expect(base.events).toEqual([]);
    expect(refusalsQuietAt(base.state, POLL, BOUND)).toBeUndefined();
    const rose = withRefusals(base.state, refused(9), T0 + 11_000);
    expect(rose.events).toEqual([expect.objectContaining({ reason: "TrafficStillArriving" })]);
    expect(rose.events[0]?.message).toMatch(/refused 5 new request\(s\) after its quiesce/);
    expect(refusalsQuietAt(rose.state, POLL, BOUND)).toBe(T0 + 12_000);
    const more = withRefusals(rose.state, refused(12), T0 + 12_000);
    expect(more.events).toEqual([]);
    expect(refusalsQuietAt(more.state, POLL, BOUND)).toBe(T0 + 13_000);
  });

  it("a low arrival rate needs longer quiet of refusals too", () => {
    const slow = readEverySecond([0, 0, 0, 1, 1, 1, 2]); // one request every 3 s
    const rose = withRefusals(withRefusals(slow, refused(0), T0).state, refused(1), T0 + 20_000);
    expect(refusalsQuietAt(rose.state, POLL, BOUND)).toBe(T0 + 35_000);
  });

  it("an app without the field, and a counter that went down, hold nothing", () => {
    expect(withRefusals(busy, ok(0, 30, "drained"), T0).state).toBe(busy);
    const down = withRefusals(withRefusals(busy, refused(50), T0).state, refused(2), T0 + 1000);
    expect(down.state.lastRefused).toBe(2);
    expect(refusalsQuietAt(down.state, POLL, BOUND)).toBeUndefined();
  });
});
