// The one deadline rule: start + timeout, one more timeout once the removal is held for the endpoints.
import { describe, expect, it } from "vitest";
import { removalDeadline } from "../../../operator/api/removal-deadline.ts";

describe("removalDeadline", () => {
  it("is the quiesce start plus timeoutSeconds", () => {
    expect(removalDeadline({ startedAt: 1_000 }, 60)).toBe(61_000);
  });

  it("gains one more timeoutSeconds once the removal is held", () => {
    expect(removalDeadline({ startedAt: 1_000, heldAt: 61_500 }, 60)).toBe(121_000);
  });

  it("counts from an explicit start (a drain that has not started yet), and is undefined without one", () => {
    expect(removalDeadline({}, 60, 5_000)).toBe(65_000);
    expect(removalDeadline({}, 60)).toBeUndefined();
  });
});
