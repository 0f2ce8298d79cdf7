// Reading the operator's metrics: counters by label, histogram deltas and quantiles like histogram_quantile.
import { describe, expect, it } from "vitest";
import {
  counterSum,
  diffBuckets,
  histogramBuckets,
  histogramQuantile,
} from "../../harness/report/prometheus.ts";

const before = `# HELP quiesce_api_requests_total writes
# TYPE quiesce_api_requests_total counter
quiesce_api_requests_total{verb="patch",resource="pods"} 10
quiesce_api_requests_total{verb="delete",resource="pods"} 2
h_bucket{le="0.01",webhook="a"} 1
h_bucket{le="0.1",webhook="a"} 1
h_bucket{le="+Inf",webhook="a"} 1
h_bucket{le="0.01",webhook="b"} 0
h_bucket{le="0.1",webhook="b"} 0
h_bucket{le="+Inf",webhook="b"} 0
`;
const after = `quiesce_api_requests_total{verb="patch",resource="pods"} 25
quiesce_api_requests_total{verb="delete",resource="pods"} 4
h_bucket{le="0.01",webhook="a"} 51
h_bucket{le="0.1",webhook="a"} 91
h_bucket{le="+Inf",webhook="a"} 101
h_bucket{le="0.01",webhook="b"} 0
h_bucket{le="0.1",webhook="b"} 0
h_bucket{le="+Inf",webhook="b"} 0
`;

describe("prometheus text", () => {
  it("sums a counter's series, optionally filtered by labels", () => {
    expect(counterSum(after, "quiesce_api_requests_total")).toBe(29);
    expect(counterSum(after, "quiesce_api_requests_total", { verb: "delete" })).toBe(4);
    expect(counterSum(after, "missing_total")).toBe(0);
  });

  it("sums histogram buckets over label sets and diffs two scrapes", () => {
    const delta = diffBuckets(histogramBuckets(after, "h"), histogramBuckets(before, "h"));
    expect(delta).toEqual([
      [0.01, 50],
      [0.1, 90],
      [Number.POSITIVE_INFINITY, 100],
    ]);
    expect(histogramBuckets(after, "h", { webhook: "b" })).toEqual([
      [0.01, 0],
      [0.1, 0],
      [Number.POSITIVE_INFINITY, 0],
    ]);
    expect(histogramBuckets(after, "h", { webhook: "a" })[2]).toEqual([Number.POSITIVE_INFINITY, 101]);
  });

  it("interpolates quantiles inside a bucket and answers the last finite bound for +Inf", () => {
    const delta: [number, number][] = [
      [0.01, 50],
      [0.1, 90],
      [Number.POSITIVE_INFINITY, 100],
    ];
    expect(histogramQuantile(0.5, delta)).toBeCloseTo(0.01);
    expect(histogramQuantile(0.7, delta)).toBeCloseTo(0.01 + 0.09 * (20 / 40));
    expect(histogramQuantile(0.99, delta)).toBe(0.1);
    expect(histogramQuantile(0.5, [[0.01, 0]])).toBeUndefined();
  });
});
