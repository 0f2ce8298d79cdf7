// The scheduling summary of the scale bench: shares of a core over the window and the worst 1-s stretch of waiting.
import { describe, expect, it } from "vitest";
import { cpuSecondsBetween, type Sample, summarizeSched } from "../../harness/report/scheduling.ts";

const s = (atMs: number, runMs: number, waitMs: number, busy: number, total: number): Sample => ({
  at: atMs,
  runNs: runMs * 1e6,
  waitNs: waitMs * 1e6,
  busy,
  total,
});

describe("summarizeSched", () => {
  it("needs two samples", () => {
    expect(summarizeSched([])).toBeUndefined();
    expect(summarizeSched([s(0, 0, 0, 0, 0)])).toBeUndefined();
  });

  it("reports shares of a core and the 1-s stretch with the longest run-queue wait", () => {
    const samples = [
      s(0, 0, 0, 0, 0),
      s(500, 100, 10, 50, 100),
      s(1000, 200, 20, 100, 200),
      s(1500, 300, 420, 200, 300), // 400 ms waiting in half a second, machine fully busy
      s(2000, 400, 430, 250, 400),
    ];
    const summary = summarizeSched(samples);
    expect(summary).toMatchObject({
      seconds: 2,
      mainThreadRunPercent: 20,
      mainThreadWaitPercent: 21.5,
      machineBusyPercent: 62.5,
    });
    expect(summary?.worstSecond).toEqual({
      atSeconds: 0.5,
      spanMs: 1000,
      waitMs: 410,
      runMs: 200,
      machineBusyPercent: 75,
    });
  });
});

describe("cpuSecondsBetween", () => {
  it("sums CPU per process name, counts new processes whole and lists the busiest first", () => {
    const before = new Map([
      [1, { name: "kube-apiserver", ticks: 1000 }],
      [2, { name: "node main.mjs", ticks: 50 }],
      [3, { name: "etcd", ticks: 10 }],
    ]);
    const after = new Map([
      [1, { name: "kube-apiserver", ticks: 1900 }],
      [2, { name: "node main.mjs", ticks: 350 }],
      [3, { name: "etcd", ticks: 10 }],
      [4, { name: "node main.mjs", ticks: 20 }],
    ]);
    expect(cpuSecondsBetween(before, after)).toEqual({ "kube-apiserver": 9, "node main.mjs": 3.2 });
    expect(Object.keys(cpuSecondsBetween(before, after, 1))).toEqual(["kube-apiserver"]);
  });
});

describe("summarizeSched with a starved sampler", () => {
  it("takes the gap between two samples further apart than a second as one stretch", () => {
    const summary = summarizeSched([s(0, 0, 0, 0, 0), s(100, 10, 10, 10, 20), s(2600, 500, 1800, 500, 520)]);
    expect(summary?.worstSecond).toMatchObject({ atSeconds: 0.1, spanMs: 2500, waitMs: 1790, runMs: 490 });
  });
});
