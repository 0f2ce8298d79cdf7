// Cutting a V8 CPU profile to the burst: self time of the leaf, total time of each function on the stack once.
import { describe, expect, it } from "vitest";
import { summarizeWindow } from "../../harness/report/cpu-profile.ts";

const frame = (functionName: string, lineNumber = 0) => ({
  functionName,
  url: "file:///x/main.mjs",
  lineNumber,
});

// root -> loop -> parse; root -> loop -> loop (recursion counted once) ; root -> gc
const profile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 5] },
    { id: 2, callFrame: frame("loop", 9), children: [3, 4] },
    { id: 3, callFrame: frame("parse", 19) },
    { id: 4, callFrame: frame("loop", 9) },
    { id: 5, callFrame: frame("(garbage collector)") },
  ],
  startTime: 0,
  // samples at 1, 2, 3, 4, 5 ms (each 1 ms apart)
  samples: [3, 3, 4, 5, 3],
  timeDeltas: [1000, 1000, 1000, 1000, 1000],
};

describe("summarizeWindow", () => {
  it("keeps only the samples in the window and weighs each by its interval", () => {
    const summary = summarizeWindow(profile, 2, 5);
    expect(summary.sampledMs).toBe(3);
    expect(summary.selfMs).toEqual([
      ["parse main.mjs:20", 1],
      ["loop main.mjs:10", 1],
      ["(garbage collector) main.mjs:1", 1],
    ]);
    expect(new Map(summary.totalMs).get("loop main.mjs:10")).toBe(2);
    expect(new Map(summary.totalMs).get("(root) main.mjs:1")).toBe(3);
  });

  it("sums the whole profile without a window", () => {
    const summary = summarizeWindow(profile, 0, Number.POSITIVE_INFINITY);
    expect(summary.sampledMs).toBe(5);
    expect(new Map(summary.selfMs).get("parse main.mjs:20")).toBe(3);
  });
});
