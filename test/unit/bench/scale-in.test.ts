// The scale-in bench's pure parts: the uniform work mix, the end of a scale-in, the removed pods and their work.
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  aggregateScaleIn,
  costsLine,
  DELETION_COST_ANNOTATION,
  deletionCosts,
  inFlightCell,
  longInFlightAt,
  removedAt,
  type ScaleInRun,
  scaleInDone,
  scaleInFigures,
  uniformWorkMix,
} from "../../harness/report/scale-in.ts";

const pod = (name: string, over: { ready?: boolean; deleting?: boolean; cost?: string } = {}): V1Pod => ({
  metadata: {
    name,
    ...(over.cost !== undefined ? { annotations: { [DELETION_COST_ANNOTATION]: over.cost } } : {}),
    ...(over.deleting ? { deletionTimestamp: new Date() } : {}),
  },
  status: { conditions: [{ type: "Ready", status: over.ready === false ? "False" : "True" }] },
});

const deployment = (o: { generation?: number; observed?: number; replicas?: number; ready?: number }) =>
  ({
    metadata: { generation: o.generation ?? 2 },
    status: { observedGeneration: o.observed ?? 2, replicas: o.replicas ?? 4, readyReplicas: o.ready ?? 4 },
  }) as V1Deployment;

const four = ["a", "b", "c", "d"].map((n) => pod(n));

describe("uniformWorkMix", () => {
  it("spans the range in equal steps, equally weighted, both ends included", () => {
    const mix = uniformWorkMix(5000, 40_000, 1000);
    expect(mix).toHaveLength(36);
    expect(mix[0]).toEqual({ path: "/work?ms=5000", weight: 1, class: "long" });
    expect(mix.at(-1)?.path).toBe("/work?ms=40000");
    expect(new Set(mix.map((m) => m.weight))).toEqual(new Set([1]));
    expect(uniformWorkMix(100, 250, 100, "short").map((m) => m.path)).toEqual([
      "/work?ms=100",
      "/work?ms=200",
    ]);
  });

  it("rejects an empty or backwards range", () => {
    expect(() => uniformWorkMix(10, 5, 1)).toThrow(/bad range/);
    expect(() => uniformWorkMix(0, 5, 0)).toThrow(/bad range/);
  });
});

describe("scaleInDone", () => {
  it("holds once the Deployment counts the new replicas, all Ready, and exactly that many pods are left", () => {
    expect(scaleInDone(deployment({}), four, 4)).toBe(true);
  });

  it.each([
    ["a pod still terminating", deployment({}), [...four.slice(0, 3), pod("d", { deleting: true })]],
    ["a drained pod not yet gone (5 pods)", deployment({}), [...four, pod("e", { ready: false })]],
    ["a pod not Ready", deployment({ ready: 3 }), [...four.slice(0, 3), pod("d", { ready: false })]],
    ["the spec not yet observed", deployment({ observed: 1 }), four],
    ["the status still counting 8", deployment({ replicas: 8 }), four],
    ["fewer ready than wanted", deployment({ ready: 3 }), four],
  ])("not with %s", (_, d, pods) => {
    expect(scaleInDone(d, pods, 4)).toBe(false);
  });
});

describe("the removed pods and their work", () => {
  const outcomes = [
    { class: "long" as const, endpoint: "10.0.0.1", start: 0, end: 30_000 },
    { class: "long" as const, endpoint: "10.0.0.1", start: 500, end: 1000 }, // over before the scale
    { class: "long" as const, endpoint: "10.0.0.1", start: 2000, end: 9000 }, // after it
    { class: "short" as const, endpoint: "10.0.0.1", start: 900, end: 1100 },
    { class: "long" as const, endpoint: "10.0.0.2", start: 1000, end: 1000 }, // ended right at it
  ];

  it("counts long requests started by the scale and not ended at it, per pod IP", () => {
    expect(longInFlightAt(outcomes, "10.0.0.1", 1000)).toBe(1);
    expect(longInFlightAt(outcomes, "10.0.0.2", 1000)).toBe(0);
    expect(longInFlightAt(outcomes, undefined, 1000)).toBe(0);
  });

  it("takes the pods there at the scale and not among the remaining ones", () => {
    expect(removedAt([{ name: "a" }, { name: "b" }, { name: "c" }], ["c", "x"])).toEqual(["a", "b"]);
  });

  const run = {
    startedAt: 10_000,
    finishedAt: 22_500,
    scaleFrom: 3,
    scaleTo: 1,
    atScale: [
      { name: "a", inFlight: 2, longInFlight: 2, cost: "2" },
      { name: "b", longInFlight: 1, cost: "0" },
      { name: "c", inFlight: 0, longInFlight: 0 },
    ],
    removed: ["c", "b"],
  } as ScaleInRun;

  it("gives a run's time and the removed pods' in-flight counts in their order at the scale", () => {
    expect(scaleInFigures(run)).toEqual({
      scaleInSeconds: 12.5,
      removedPodsInFlight: [null, 0],
      removedPodsLongInFlight: [1, 0],
      podsWithCostAtScale: 2,
    });
  });

  it("sums and lists the counts over runs, and averages the time", () => {
    const one = scaleInFigures(run);
    const two = {
      ...one,
      scaleInSeconds: 30.04,
      removedPodsInFlight: [3, 1],
      removedPodsLongInFlight: [3, 1],
    };
    expect(aggregateScaleIn([one, two])).toEqual({
      scaleInSeconds: 21.3,
      removedPodsInFlight: { sum: 4, counts: [null, 0, 3, 1] },
      removedPodsLongInFlight: { sum: 5, counts: [1, 0, 3, 1] },
    });
    expect(aggregateScaleIn([]).scaleInSeconds).toBe(0);
  });

  it("writes the table cell and the log line", () => {
    expect(inFlightCell({ sum: 4, counts: [null, 0, 3, 1] })).toBe("4 (?, 0, 3, 1)");
    expect(inFlightCell(undefined)).toBe("-");
    expect(costsLine(run.atScale)).toBe("a 2 (2 in flight), b 0 (? in flight), c none (0 in flight)");
  });

  it("reads each pod's pod-deletion-cost", () => {
    const costs = deletionCosts([pod("a", { cost: "3" }), pod("b")]);
    expect([...costs]).toEqual([
      ["a", "3"],
      ["b", undefined],
    ]);
  });
});
