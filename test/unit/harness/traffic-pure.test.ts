import { describe, expect, it } from "vitest";
import { pickFromMix } from "../../harness/traffic/load-generator.ts";
import type { RequestOutcome } from "../../harness/traffic/outcome.ts";
import { RoundRobin, readyAddresses } from "../../harness/traffic/ready-endpoints.ts";
import { percentile, summarize } from "../../harness/traffic/summary.ts";

describe("readyAddresses", () => {
  it("keeps ready, non-terminating IPv4 endpoints, de-duplicated and sorted", () => {
    const slices = [
      {
        addressType: "IPv4",
        endpoints: [
          { addresses: ["127.1.0.3"], conditions: { ready: true, serving: true, terminating: false } },
          { addresses: ["127.1.0.1"], conditions: { ready: false, serving: false } },
          { addresses: ["127.1.0.2"], conditions: { ready: false, serving: true, terminating: true } },
          { addresses: ["127.1.0.4"], conditions: {} },
        ],
      },
      { addressType: "IPv4", endpoints: [{ addresses: ["127.1.0.3"], conditions: { ready: true } }] },
      { addressType: "IPv6", endpoints: [{ addresses: ["::1"], conditions: { ready: true } }] },
      { addressType: "IPv4", endpoints: null },
    ];
    expect(readyAddresses(slices)).toEqual(["127.1.0.3", "127.1.0.4"]);
  });
});

describe("RoundRobin", () => {
  it("cycles and copes with the list changing", () => {
    const rr = new RoundRobin();
    expect([1, 2, 3, 4].map(() => rr.pick(["a", "b", "c"]))).toEqual(["a", "b", "c", "a"]);
    expect(rr.pick([])).toBeUndefined();
    expect(rr.pick(["x"])).toBe("x");
  });
});

describe("pickFromMix", () => {
  const mix = [
    { path: "/short", weight: 90, class: "short" as const },
    { path: "/long", weight: 10, class: "long" as const },
  ];
  it("picks by weight", () => {
    expect(pickFromMix(mix, 0).path).toBe("/short");
    expect(pickFromMix(mix, 0.8999).path).toBe("/short");
    expect(pickFromMix(mix, 0.9).path).toBe("/long");
    expect(pickFromMix(mix, 0.9999).path).toBe("/long");
  });
});

describe("summarize", () => {
  const o = (
    seq: number,
    start: number,
    ok: boolean,
    extra: Partial<RequestOutcome> = {},
  ): RequestOutcome => ({
    seq,
    path: "/work",
    class: "short",
    start,
    end: start + 10 * (seq + 1),
    ok,
    ...extra,
  });

  it("counts failures by reason and per second, and per class", () => {
    const s = summarize([
      o(0, 1000, true, { endpoint: "a" }),
      o(1, 1100, false, { failure: "no-endpoints" }),
      o(2, 2500, false, { endpoint: "b", failure: "ECONNREFUSED" }),
      o(3, 2600, false, { endpoint: "b", failure: "ECONNREFUSED", class: "long" }),
      o(4, 3000, true, { endpoint: "a" }),
    ]);
    expect(s).toMatchObject({
      sent: 5,
      ok: 2,
      failed: 3,
      failuresByReason: { "no-endpoints": 1, ECONNREFUSED: 2 },
      failuresOverTime: [
        { second: 0, count: 1 },
        { second: 1, count: 2 },
      ],
      byClass: { short: { sent: 4, ok: 2, failed: 2 }, long: { sent: 1, ok: 0, failed: 1 } },
      byEndpoint: { a: 2, b: 2 },
    });
    expect(s.latencyMs.max).toBe(50);
  });

  it("computes nearest-rank percentiles", () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([], 99)).toBe(0);
  });
});
