// Pod drain annotations: round-trip, and garbage that parses to a safe state without throwing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ANNOTATIONS,
  DRAIN_PHASES,
  type DrainState,
  fromAnnotations,
  servingGateStatus,
  toAnnotations,
} from "../../../operator/api/pod-annotations.ts";
import { drainStateArb } from "./arbitraries.ts";

const strip = (s: DrainState) => JSON.parse(JSON.stringify(s)) as DrainState;
const present = (a: Record<string, string | null>) =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null)) as Record<string, string>;

describe("drain annotations", () => {
  it("round-trips every state", () => {
    fc.assert(
      fc.property(drainStateArb, (state) => {
        expect(fromAnnotations(present(toAnnotations(state)))).toEqual(strip(state));
      }),
    );
  });

  it("writes readable values", () => {
    const a = toAnnotations({
      phase: "Draining",
      policy: "sprout",
      startedAt: Date.UTC(2025, 0, 2, 14, 5, 31),
      inFlight: 12,
    });
    expect(a[ANNOTATIONS.state]).toBe("Draining");
    expect(a[ANNOTATIONS.startedAt]).toBe("2025-01-02T14:05:31.000Z");
    expect(a[ANNOTATIONS.inFlight]).toBe("12");
    expect(a[ANNOTATIONS.outcome]).toBeNull();
  });

  it("reads garbage as absent, never throwing", () => {
    expect(fromAnnotations(undefined)).toEqual({ phase: "Serving" });
    expect(fromAnnotations("nope")).toEqual({ phase: "Serving" });
    expect(
      fromAnnotations({
        [ANNOTATIONS.state]: "Exploding",
        [ANNOTATIONS.startedAt]: "yesterday",
        [ANNOTATIONS.inFlight]: "-3",
        [ANNOTATIONS.lastAccepted]: "1e99",
        [ANNOTATIONS.reason]: 42,
        [ANNOTATIONS.policy]: "sprout",
      }),
    ).toEqual({ phase: "Serving", policy: "sprout" });
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom(...Object.values(ANNOTATIONS), "other"), fc.anything()),
        (a) => {
          const s = fromAnnotations(a);
          expect(DRAIN_PHASES).toContain(s.phase);
          expect(() => toAnnotations(s)).not.toThrow();
        },
      ),
    );
  });

  it("reads a pod with only other annotations as Serving, and finds a drain among other annotations", () => {
    const others = fc.dictionary(
      fc.string().filter((k) => !k.startsWith("quiesce.dev/")),
      fc.string(),
    );
    fc.assert(
      fc.property(others, drainStateArb, (foreign, state) => {
        expect(fromAnnotations(foreign)).toEqual({ phase: "Serving" });
        expect(fromAnnotations({ ...foreign, ...present(toAnnotations(state)) })).toEqual(strip(state));
      }),
    );
  });

  it("writes garbage states without throwing", () => {
    fc.assert(
      fc.property(fc.anything(), (g) => {
        expect(() => toAnnotations(g as DrainState)).not.toThrow();
      }),
    );
    expect(toAnnotations({ phase: "Draining", startedAt: Number.NaN })[ANNOTATIONS.startedAt]).toBeNull();
  });

  it("reads the serving gate from pod conditions", () => {
    expect(
      servingGateStatus([
        { type: "Ready", status: "True" },
        { type: "quiesce.dev/serving", status: "False" },
      ]),
    ).toBe(false);
    expect(servingGateStatus([{ type: "quiesce.dev/serving", status: "True" }])).toBe(true);
    expect(servingGateStatus([{ type: "quiesce.dev/serving", status: "Unknown" }])).toBeUndefined();
    expect(servingGateStatus("garbage")).toBeUndefined();
  });
});
