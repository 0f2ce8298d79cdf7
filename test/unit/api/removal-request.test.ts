// The one Serving -> Requested transition: recorded once, idempotent while a removal is under way.
import { describe, expect, it } from "vitest";
import { DRAIN_PHASES } from "../../../operator/api/pod-annotations.ts";
import { requestRemoval } from "../../../operator/api/removal-request.ts";

const T0 = Date.parse("2025-01-02T14:00:00Z");
const request = { now: T0, policy: "sprout", reason: "delete", via: "evict" } as const;

describe("requestRemoval", () => {
  it("records the request on a serving pod", () => {
    expect(requestRemoval({ phase: "Serving", outcome: "Unquiesced" }, request)).toEqual({
      phase: "Requested",
      policy: "sprout",
      reason: "delete",
      via: "evict",
      requestedAt: T0,
    });
  });

  it("starts a reversed drain over, keeping nothing of it", () => {
    const r = requestRemoval(
      { phase: "Unquiescing", policy: "old", startedAt: T0 - 9000, inFlight: 3 },
      request,
    );
    expect(r).toEqual({
      phase: "Requested",
      policy: "sprout",
      reason: "delete",
      via: "evict",
      requestedAt: T0,
    });
  });

  it.each(
    DRAIN_PHASES.filter((p) => p !== "Serving" && p !== "Unquiescing"),
  )("leaves a pod in %s alone (a removal is under way)", (phase) => {
    expect(requestRemoval({ phase, policy: "x", requestedAt: T0 - 5 }, request)).toBeUndefined();
  });
});
