// The pure part of scale-in: the cost bucket, which pods are polled, a write only on a bucket change, the cleanup.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DELETION_COST_ANNOTATION,
  REQUESTED_DELETION_COST,
} from "../../../operator/controllers/drain/removal-requests.ts";
import {
  COST_BUCKET_ANNOTATION,
  clearPatch,
  costBucket,
  costPatch,
  scaleInAction,
} from "../../../operator/controllers/scale-in/deletion-cost.ts";
import { pod } from "../controllers/pods.ts";
import { applyPatch as apply, scaleInPolicy } from "./fixtures.ts";

const COST = DELETION_COST_ANNOTATION;
const MARK = COST_BUCKET_ANNOTATION;

describe("costBucket", () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [7, 3],
    [8, 4],
    [1023, 10],
    [1024, 11],
    [Number.MAX_SAFE_INTEGER, 53],
    [-1, 0],
    [Number.NaN, 0],
  ])("%s in flight is bucket %s", (inFlight, bucket) => {
    expect(costBucket(inFlight)).toBe(bucket);
  });

  it("is floor(log2(n)) + 1: 2^(b-1) <= n < 2^b, and doubling the work adds one", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const b = costBucket(n);
        expect(2 ** (b - 1) <= n && n < 2 ** b).toBe(true);
        if (n <= 2 ** 51) expect(costBucket(2 * n)).toBe(b + 1);
      }),
    );
  });
});

describe("costPatch: a write only when the bucket changes", () => {
  it("writes the bucket as the cost with its mark, and nothing once the pod carries both", () => {
    const patch = costPatch({}, 3);
    expect(patch).toEqual({ [COST]: "3", [MARK]: "3" });
    expect(costPatch(apply({}, patch ?? {}), 3)).toBeUndefined();
    // The drain's "remove me first" on a pod serving again is replaced.
    expect(costPatch({ [COST]: REQUESTED_DELETION_COST, [MARK]: "3" }, 3)).toEqual(patch);
  });

  it("over any run of in-flight readings, writes exactly when the bucket differs from the last one written", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { maxLength: 60 }), (readings) => {
        let annotations: Record<string, string> = { other: "kept" };
        let writes = 0;
        let last: number | undefined;
        let changes = 0;
        for (const n of readings) {
          const bucket = costBucket(n);
          if (bucket !== last) changes++;
          last = bucket;
          const patch = costPatch(annotations, bucket);
          if (patch === undefined) continue;
          writes++;
          annotations = apply(annotations, patch);
          expect(annotations[COST]).toBe(String(bucket));
        }
        expect(writes).toBe(changes);
        expect(annotations.other).toBe("kept");
      }),
    );
  });
});

describe("clearPatch: only what the operator wrote", () => {
  it("removes its cost and mark, the mark alone once a drain set its own cost, nothing on a pod it never marked", () => {
    expect(clearPatch({ [COST]: "2", [MARK]: "2" })).toEqual({ [COST]: null, [MARK]: null });
    expect(clearPatch({ [COST]: REQUESTED_DELETION_COST, [MARK]: "2" })).toEqual({ [MARK]: null });
    expect(clearPatch({ [COST]: "500" })).toBeUndefined();
    expect(clearPatch(undefined)).toBeUndefined();
  });

  it("never changes a cost it did not write, nor any other annotation, and leaves nothing to clear", () => {
    const value = fc.oneof(fc.constantFrom("0", "1", "3", REQUESTED_DELETION_COST), fc.string());
    const annotations = fc.record({ cost: value, mark: value, other: fc.string() }, { requiredKeys: [] });
    fc.assert(
      fc.property(annotations, ({ cost, mark, other }) => {
        const before: Record<string, string> = {
          ...(cost === undefined ? {} : { [COST]: cost }),
          ...(mark === undefined ? {} : { [MARK]: mark }),
          ...(other === undefined ? {} : { other }),
        };
        const patch = clearPatch(before);
        expect(patch === undefined).toBe(mark === undefined);
        const after = apply(before, patch ?? {});
        expect(after[MARK]).toBeUndefined();
        expect(after[COST]).toBe(cost === mark ? undefined : cost);
        expect(after.other).toBe(other);
        expect(clearPatch(after)).toBeUndefined();
      }),
    );
  });
});

describe("scaleInAction: which pods are polled", () => {
  const on = [scaleInPolicy()];
  const marked = { [COST]: "2", [MARK]: "2" };

  it("polls a serving pod of a preferIdle policy with an endpoint, at its interval", () => {
    const action = scaleInAction(pod("a"), [scaleInPolicy({ pollIntervalSeconds: 3 })]);
    expect(action).toMatchObject({ kind: "poll", intervalMs: 3000 });
    // A cost the drain left on a pod that serves again is the operator's to replace.
    expect(scaleInAction(pod("a", { annotations: { [COST]: REQUESTED_DELETION_COST } }), on).kind).toBe(
      "poll",
    );
  });

  it("leaves draining, not Ready and terminating pods with their cost, and a cost someone else set", () => {
    expect(scaleInAction(pod("a", { state: "Requested", annotations: marked }), on)).toEqual({
      kind: "none",
    });
    expect(scaleInAction(pod("a", { state: "Draining" }), on)).toEqual({ kind: "none" });
    expect(scaleInAction(pod("a", { ready: false, annotations: marked }), on)).toEqual({ kind: "none" });
    expect(scaleInAction(pod("a", { terminating: true }), on)).toEqual({ kind: "none" });
    expect(scaleInAction(pod("a", { annotations: { [COST]: "100" } }), on)).toEqual({ kind: "none" });
  });

  it("clears what it wrote once no policy asks for it: turned off, no endpoint, deleted, another governs", () => {
    const clear = { kind: "clear", patch: { [COST]: null, [MARK]: null } };
    const p = pod("a", { annotations: marked });
    expect(scaleInAction(p, [scaleInPolicy({ preferIdle: false })])).toEqual(clear);
    expect(scaleInAction(p, [scaleInPolicy({ endpoint: false })])).toEqual(clear);
    expect(scaleInAction(p, [])).toEqual(clear);
    // The first policy by name governs.
    const two = [scaleInPolicy({ name: "b" }), scaleInPolicy({ name: "a", preferIdle: false })];
    expect(scaleInAction(p, two)).toEqual(clear);
    expect(scaleInAction(pod("a"), [])).toEqual({ kind: "none" });
  });
});
