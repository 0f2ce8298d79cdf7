// Quiet detection from the app's own arrival rate: a table of traffic shapes, and properties over any readings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DrainState } from "../../../operator/api/pod-annotations.ts";
import { quietNeededMs, withReading } from "../../../operator/controllers/drain/arrival-evidence.ts";
import { ok, T0 } from "./fixtures.ts";

const POLL = 1000;
const BOUND = 120_000;

/** The state after reading `counts` once a second from T0. */
function readEverySecond(counts: readonly number[]): DrainState {
  return counts.reduce<DrainState>((s, accepted, i) => withReading(s, ok(0, accepted), T0 + i * 1000), {
    phase: "Settling",
  });
}

describe("quiet detection", () => {
  it.each([
    ["busy: 100 req/s", [0, 100, 200, 300], POLL],
    ["moderate: 2 req/s", [0, 2, 4, 6], 1500],
    ["low rate: one request every 3 s", [0, 0, 0, 1, 1, 1, 2], 9000],
    ["one request, 2.5 s after the first read", [5, 5, 6], 6000],
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
    expect(withReading(s, { ok: false, kind: "timeout", message: "slow" }, T0 + 9000)).toBe(s);
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
