// fast-check arbitraries for API types, shared by the unit tests.
import fc from "fast-check";
import {
  DRAIN_PHASES,
  type DrainState,
  OUTCOMES,
  REMOVAL_REASONS,
  REMOVAL_VIA,
} from "../../../operator/api/pod-annotations.ts";

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const time = fc.integer({ min: 0, max: 253402300799999 });
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
export const drainStateArb: fc.Arbitrary<DrainState> = fc.record({
  phase: fc.constantFrom(...DRAIN_PHASES),
  policy: opt(fc.string({ minLength: 1, maxLength: 40 })),
  reason: opt(fc.constantFrom(...REMOVAL_REASONS)),
  via: opt(fc.constantFrom(...REMOVAL_VIA)),
  requestedAt: opt(time),
  startedAt: opt(time),
  phaseEnteredAt: opt(time),
  lastAccepted: opt(count),
  inFlight: opt(count),
  lastError: opt(fc.string({ maxLength: 100 })),
  refusal: opt(fc.string({ maxLength: 100 })),
  outcome: opt(fc.constantFrom(...OUTCOMES)),
});
