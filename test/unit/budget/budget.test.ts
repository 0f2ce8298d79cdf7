// Budget decisions: minServing, maxConcurrent as count and percentage, and the refusal messages.
import { describe, expect, it } from "vitest";
import { decideBudget, resolveMaxConcurrent } from "../../../operator/controllers/budget/budget.ts";

describe("resolveMaxConcurrent", () => {
  it.each([
    [1, 10, 1],
    [3, 10, 3],
    ["25%", 4, 1],
    ["25%", 10, 2],
    ["50%", 7, 3],
    ["10%", 3, 1], // rounds down to 0, raised to 1
    ["100%", 5, 5],
    ["garbage", 5, 1],
    [0, 5, 1],
  ] as const)("%s of %i replicas is %i", (max, replicas, expected) => {
    expect(resolveMaxConcurrent(max, replicas)).toBe(expected);
  });
});

describe("decideBudget", () => {
  const budget = { maxConcurrent: 1, minServing: 1 };

  it("refuses when too few other pods serve (the single replica with no backup)", () => {
    expect(decideBudget({ budget, replicas: 1, servingOthers: 0, quiescingOthers: 0 })).toEqual({
      allowed: false,
      message: "refusing to quiesce: only 0 other pods serving, minServing is 1",
    });
    expect(
      decideBudget({
        budget: { maxConcurrent: 5, minServing: 2 },
        replicas: 3,
        servingOthers: 1,
        quiescingOthers: 0,
      }),
    ).toEqual({ allowed: false, message: "refusing to quiesce: only 1 other pod serving, minServing is 2" });
  });

  it("refuses when maxConcurrent pods are already quiescing", () => {
    expect(decideBudget({ budget, replicas: 4, servingOthers: 2, quiescingOthers: 1 })).toEqual({
      allowed: false,
      message: "refusing to quiesce: 1 other pod already quiescing, maxConcurrent is 1",
    });
    const pct = decideBudget({
      budget: { maxConcurrent: "50%", minServing: 1 },
      replicas: 4,
      servingOthers: 1,
      quiescingOthers: 2,
    });
    expect(pct).toEqual({
      allowed: false,
      message: "refusing to quiesce: 2 other pods already quiescing, maxConcurrent is 50% of 4 replicas = 2",
    });
  });

  it("allows when both hold", () => {
    expect(decideBudget({ budget, replicas: 4, servingOthers: 1, quiescingOthers: 0 }).allowed).toBe(true);
    expect(
      decideBudget({
        budget: { maxConcurrent: "50%", minServing: 0 },
        replicas: 4,
        servingOthers: 0,
        quiescingOthers: 1,
      }).allowed,
    ).toBe(true);
  });

  it("treats garbage counts as zero rather than failing", () => {
    const d = decideBudget({ budget, replicas: Number.NaN, servingOthers: Number.NaN, quiescingOthers: -3 });
    expect(d.allowed).toBe(false);
  });
});
