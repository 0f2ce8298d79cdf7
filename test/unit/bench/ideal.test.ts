// The ideal rollout: waves in removal order, each costing start-up plus its longest real drain.
import { describe, expect, it } from "vitest";
import { idealRolloutMs, median } from "../../harness/report/ideal.ts";

describe("idealRolloutMs", () => {
  it("sums start-up plus the longest drain of each wave, waves taken in removal order", () => {
    const old = [
      { removalAt: 0, lastRequestEnd: 10_000 },
      { removalAt: 100, lastRequestEnd: 30_100 },
      { removalAt: 50_000, lastRequestEnd: 55_000 },
      { removalAt: 200, lastRequestEnd: 5_200 },
    ];
    // perWave 3: wave 1 = removals at 0, 100, 200 (longest 30 s), wave 2 = removal at 50 s (5 s).
    expect(idealRolloutMs(old, 2000, 3)).toBe(2000 + 30_000 + 2000 + 5000);
    // perWave 1: every pod its own wave.
    expect(idealRolloutMs(old, 0, 1)).toBe(10_000 + 30_000 + 5000 + 5000);
  });

  it("counts a pod that had nothing in flight as a zero drain, never negative", () => {
    expect(idealRolloutMs([{ removalAt: 5000, lastRequestEnd: 1000 }], 1500, 2)).toBe(1500);
    expect(idealRolloutMs([], 1500, 2)).toBe(0);
  });

  it("rejects a wave size below one", () => {
    expect(() => idealRolloutMs([], 0, 0)).toThrow(/perWave/);
  });
});

describe("median", () => {
  it("is the middle value, or the mean of the two middle ones", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
