// Fake clock ordering and abortable sleep; exponential backoff bounds and jitter.
import { describe, expect, it } from "vitest";
import { backoffDelay, ItemBackoff, jitter } from "../../../operator/runtime/backoff.ts";
import { FakeClock } from "../../../operator/runtime/clock.ts";

describe("FakeClock", () => {
  it("fires timers in time order, ties in creation order, including timers scheduled while advancing", () => {
    const clock = new FakeClock(100);
    const fired: string[] = [];
    clock.setTimer(20, () => fired.push(`b@${clock.now()}`));
    clock.setTimer(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(5, () => fired.push(`a2@${clock.now()}`));
    });
    clock.setTimer(20, () => fired.push(`c@${clock.now()}`));
    const cancelled = clock.setTimer(1, () => fired.push("never"));
    cancelled.cancel();
    clock.advance(30);
    expect(fired).toEqual(["a@110", "a2@115", "b@120", "c@120"]);
    expect(clock.now()).toBe(130);
    expect(clock.pending()).toBe(0);
  });

  it("sleep resolves when advanced and rejects when aborted", async () => {
    const clock = new FakeClock();
    const slept = clock.sleep(50);
    clock.advance(50);
    await expect(slept).resolves.toBeUndefined();
    const ac = new AbortController();
    const aborted = clock.sleep(50, ac.signal);
    ac.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(clock.pending()).toBe(0);
  });
});

describe("backoff", () => {
  it("doubles from the base and caps at the maximum, like client-go's defaults", () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n))).toEqual([5, 10, 20, 40]);
    expect(backoffDelay(40)).toBe(1_000_000);
    expect(backoffDelay(5000)).toBe(1_000_000);
  });

  it("gives a capped delay per attempt for any base (the removal recorder's 200 ms doubling to 5 s)", () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, { baseMs: 200, maxMs: 5_000 }));
    expect(delays).toEqual([400, 800, 1600, 3200, 5000, 5000]);
  });

  it("jitters like client-go's wait.Jitter: from the delay up to (1 + factor) times it", () => {
    expect(jitter(2_000, 1.2, () => 0)).toBe(2_000);
    expect(jitter(2_000, 1.2, () => 0.5)).toBe(3_200);
    for (let i = 0; i < 100; i++) {
      const ms = jitter(1_000, 1);
      expect(ms).toBeGreaterThanOrEqual(1_000);
      expect(ms).toBeLessThan(2_000);
    }
  });

  it("counts failures per key and forgets them", () => {
    const b = new ItemBackoff<string>({ baseMs: 100, maxMs: 350 });
    expect([b.when("a"), b.when("a"), b.when("b"), b.when("a"), b.when("a")]).toEqual([
      100, 200, 100, 350, 350,
    ]);
    expect(b.numRequeues("a")).toBe(4);
    b.forget("a");
    expect(b.when("a")).toBe(100);
  });
});
