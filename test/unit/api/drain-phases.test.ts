// The one phase vocabulary: each phase's meaning, in a table a change has to update on purpose.
import { describe, expect, it } from "vitest";
import {
  isDrainFinished,
  isOperatorActing,
  isOutOfService,
  isRemovalInProgress,
} from "../../../operator/api/drain-phases.ts";
import { DRAIN_PHASES, type DrainPhase } from "../../../operator/api/pod-annotations.ts";

// phase: [removal in progress, drain finished, out of service, operator acting]
const TABLE: Record<DrainPhase, [boolean, boolean, boolean, boolean]> = {
  Serving: [false, false, false, false],
  Requested: [true, false, false, true],
  Settling: [true, false, true, true],
  Quiescing: [true, false, true, true],
  Draining: [true, false, true, true],
  Drained: [false, true, true, false],
  TimedOut: [false, true, true, false],
  Unquiescing: [false, false, true, true],
};

describe("drain phases", () => {
  it.each(DRAIN_PHASES)("%s", (phase) => {
    expect([
      isRemovalInProgress(phase),
      isDrainFinished(phase),
      isOutOfService(phase),
      isOperatorActing(phase),
    ]).toEqual(TABLE[phase]);
  });
});
