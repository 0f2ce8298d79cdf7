// make bench's entries: names per way and scenario, http-503 refusals, and the operator's histograms summed over runs.
import { describe, expect, it } from "vitest";
import {
  addBuckets,
  addRun,
  entryName,
  entryScenario,
  histogramStats,
  NO_OPERATOR_TOTALS,
  refusedByApp,
} from "../../harness/report/bench-entries.ts";

const settle = (counts: [number, number, number]) =>
  ["1", "10", "+Inf"]
    .map((le, i) => `quiesce_settle_duration_seconds_bucket{le="${le}"} ${counts[i]}`)
    .join("\n");
const scrape = (text: string, cpuSeconds: number) => ({ text, cpuSeconds });

describe("bench entries", () => {
  it("keeps the bare way names for the base scenario and names the others <way>/<scenario>", () => {
    expect(entryName("operator", "base")).toBe("operator");
    expect(entryName("prestop-sleep", "short-drain")).toBe("prestop-sleep/short-drain");
    expect(entryName("operator-prefer-idle", "scale-in")).toBe("operator-prefer-idle/scale-in");
    expect(entryScenario("operator-prefer-idle/scale-in")).toBe("scale-in");
    expect(entryScenario("naive")).toBe("base");
    expect(entryScenario("operator/slow-lb")).toBe("slow-lb");
  });

  it("counts the app's 503 answers as refused, nothing else", () => {
    expect(refusedByApp({ "http-503": 4, ECONNREFUSED: 9, "http-500": 1 })).toBe(4);
    expect(refusedByApp({ ECONNRESET: 2 })).toBe(0);
  });

  it("adds cumulative buckets bound by bound", () => {
    expect(addBuckets([], [[1, 2]])).toEqual([[1, 2]]);
    expect(
      addBuckets(
        [
          [1, 1],
          [Infinity, 3],
        ],
        [
          [1, 2],
          [5, 2],
          [Infinity, 4],
        ],
      ),
    ).toEqual([
      [1, 3],
      [5, 2],
      [Infinity, 7],
    ]);
  });

  it("sums the operator's deltas over runs and reads the settle histogram", () => {
    const run1 = addRun(NO_OPERATOR_TOTALS, scrape(settle([0, 0, 0]), 1), scrape(settle([2, 4, 4]), 3));
    const both = addRun(
      run1,
      scrape(`${settle([2, 4, 4])}\nquiesce_api_requests_total{verb="patch"} 5`, 3),
      scrape(
        `${settle([2, 8, 8])}\nquiesce_api_requests_total{verb="patch"} 12\nquiesce_deletion_cost_writes_total{action="set"} 6\nquiesce_deletion_cost_writes_total{action="clear"} 2`,
        4.5,
      ),
    );
    expect(both.cpuSeconds).toBe(3.5);
    expect(both.apiRequests).toBe(7);
    expect(both.deletionCostWrites).toBe(8);
    expect(both.settle.at(-1)).toEqual([Infinity, 8]);
    const stats = histogramStats(both.settle);
    expect(stats?.n).toBe(8);
    expect(stats?.p50).toBeGreaterThan(1);
    expect(stats?.p99).toBeLessThanOrEqual(10);
  });

  it("reports no statistics while the operator does not export a histogram", () => {
    const totals = addRun(NO_OPERATOR_TOTALS, scrape("", 0), scrape("quiesce_api_requests_total 3", 1));
    expect(totals.trafficAfterLeaving).toEqual([]);
    expect(histogramStats(totals.trafficAfterLeaving)).toBeNull();
    expect(histogramStats([[Infinity, 0]])).toBeNull();
  });
});
