import { describe, expect, it } from "vitest";
import { startLoad } from "../../harness/traffic/load-generator.ts";
import type { RequestClass, RequestOutcome } from "../../harness/traffic/outcome.ts";

function fakeSender(latencyMs: number) {
  let seq = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const send = async (path: string, cls: RequestClass): Promise<RequestOutcome> => {
    const start = Date.now();
    const mine = seq++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((r) => setTimeout(r, latencyMs));
    inFlight--;
    return { seq: mine, path, class: cls, start, end: Date.now(), ok: true };
  };
  return { send, maxInFlight: () => maxInFlight };
}

describe("startLoad", () => {
  it("keeps the target concurrency and stops at maxRequests", async () => {
    const sender = fakeSender(5);
    const outcomes = await startLoad(sender.send, {
      mix: [{ path: "/a", weight: 1 }],
      concurrency: 4,
      maxRequests: 40,
    }).done;
    expect(outcomes).toHaveLength(40);
    expect(sender.maxInFlight()).toBe(4);
  });

  it("sends at the requested rate for the duration, whatever the latency", async () => {
    const sender = fakeSender(300);
    const t0 = Date.now();
    const outcomes = await startLoad(sender.send, {
      mix: [{ path: "/a", weight: 1 }],
      ratePerSecond: 50,
      durationMs: 500,
    }).done;
    expect(outcomes.length).toBeGreaterThanOrEqual(23);
    expect(outcomes.length).toBeLessThanOrEqual(27);
    expect(sender.maxInFlight()).toBeGreaterThan(10);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it("applies the mix and the class of each entry", async () => {
    let i = 0;
    const random = () => [0.1, 0.95][i++ % 2]!;
    const outcomes = await startLoad(
      fakeSender(1).send,
      {
        mix: [
          { path: "/work?ms=20", weight: 90 },
          { path: "/work?ms=5000", weight: 10, class: "long" },
        ],
        concurrency: 1,
        maxRequests: 4,
      },
      random,
    ).done;
    expect(outcomes.map((o) => [o.path, o.class])).toEqual([
      ["/work?ms=20", "short"],
      ["/work?ms=5000", "long"],
      ["/work?ms=20", "short"],
      ["/work?ms=5000", "long"],
    ]);
  });

  it("stops early on stop() and lets in-flight requests finish", async () => {
    const run = startLoad(fakeSender(50).send, {
      mix: [{ path: "/a", weight: 1 }],
      concurrency: 2,
      durationMs: 60_000,
    });
    await new Promise((r) => setTimeout(r, 120));
    const outcomes = await run.stop();
    expect(outcomes.length).toBeGreaterThanOrEqual(4);
    expect(outcomes.length).toBeLessThanOrEqual(8);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it("refuses unbounded or ambiguous load", () => {
    const send = fakeSender(1).send;
    expect(() => startLoad(send, { mix: [{ path: "/a", weight: 1 }], concurrency: 1 })).toThrow(/bound/);
    expect(() =>
      startLoad(send, { mix: [{ path: "/a", weight: 1 }], concurrency: 1, ratePerSecond: 1, maxRequests: 1 }),
    ).toThrow(/exactly one/);
  });
});
