// The SDK's zod-free view of the protocol agrees with the operator's zod schemas: request bodies, statuses, types.
import fc from "fast-check";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  type ErrorCode,
  errorCodeSchema,
  MAX_REASON_LENGTH,
  type QuiesceRequestBody,
  type QuiesceState,
  type QuiesceStatus,
  quiesceStateSchema,
  requestBodySchema,
  statusBodySchema,
} from "../../../operator/protocol/quiesce-protocol.ts";
import type * as wire from "../../../operator/protocol/wire.ts";
import { createQuiescer, type Release } from "../../../operator/sdk/index.ts";
import { checkRequestBody } from "../../../operator/sdk/request-body.ts";

/** Reasons around the length limit, in code units (what both sides count), including astral characters. */
const reason = fc.oneof(
  fc.string({ maxLength: MAX_REASON_LENGTH + 4 }),
  fc.string({ unit: "binary", minLength: MAX_REASON_LENGTH - 4, maxLength: MAX_REASON_LENGTH + 4 }),
  fc.nat({ max: 8 }).map((n) => "r".repeat(MAX_REASON_LENGTH - 4 + n)),
  fc.nat({ max: 8 }).map((n) => `${"x".repeat(MAX_REASON_LENGTH - 5 + n)}😀`),
);
/** Bodies shaped like requests: objects with and without a reason of any JSON type, with extra fields. */
const requestLike = fc.record(
  {
    reason: fc.oneof({ weight: 4, arbitrary: reason }, fc.jsonValue()),
    extra: fc.jsonValue(),
    __proto__: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
/** Any JSON document, as `JSON.parse` would produce it from a body. */
const anyJson = fc.oneof(fc.jsonValue(), requestLike).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe("the SDK's request body check agrees with requestBodySchema", () => {
  it("accepts exactly what the schema accepts, with the same parsed body", () => {
    fc.assert(
      fc.property(anyJson, (json) => {
        const sdk = checkRequestBody(json);
        const zod = requestBodySchema.safeParse(json);
        expect(sdk.ok).toBe(zod.success);
        if (sdk.ok && zod.success) expect(sdk.body).toEqual(zod.data);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    { name: "an empty object", body: "{}", valid: true },
    { name: "a reason and an unknown field", body: '{"reason":"rollout","x":1}', valid: true },
    {
      name: "a reason at the limit",
      body: JSON.stringify({ reason: "r".repeat(MAX_REASON_LENGTH) }),
      valid: true,
    },
    {
      name: "a reason over the limit",
      body: JSON.stringify({ reason: "r".repeat(MAX_REASON_LENGTH + 1) }),
      valid: false,
    },
    { name: "a null reason", body: '{"reason":null}', valid: false },
    { name: "a number reason", body: '{"reason":7}', valid: false },
    { name: "an array", body: "[]", valid: false },
    { name: "null", body: "null", valid: false },
    { name: "a string", body: '"rollout"', valid: false },
  ])("$name is valid: $valid (on both sides)", ({ body, valid }) => {
    const json: unknown = JSON.parse(body);
    expect(checkRequestBody(json).ok).toBe(valid);
    expect(requestBodySchema.safeParse(json).success).toBe(valid);
  });
});

type Step = { kind: "accept" | "begin" | "release" | "refuse" | "quiesce" | "resume"; n: number };
const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom("accept", "begin", "release", "refuse", "quiesce", "resume"),
  n: fc.nat({ max: 7 }),
});

describe("the statuses the SDK sends pass the operator's statusBodySchema", () => {
  it("after any sequence of work, refusals, quiesces and resumes", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const q = createQuiescer();
        const open: Release[] = [];
        for (const s of steps) {
          if (s.kind === "accept") open.push(q.accept(`c${s.n % 3}`));
          else if (s.kind === "begin") open.push(q.begin(`c${s.n % 3}`));
          else if (s.kind === "release") open.splice(s.n % Math.max(1, open.length), 1)[0]?.();
          else if (s.kind === "refuse") q.refuse();
          else if (s.kind === "quiesce") q.quiesce();
          else q.resume();
          const parsed = statusBodySchema.safeParse(JSON.parse(JSON.stringify(q.status())));
          expect(parsed.success).toBe(true);
          expect(parsed.data?.state).toBe(q.state);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("the SDK's protocol types are the zod-inferred ones", () => {
  it("states, statuses, request bodies and error codes", () => {
    expectTypeOf<wire.QuiesceState>().toEqualTypeOf<QuiesceState>();
    expectTypeOf<wire.QuiesceStatus>().toEqualTypeOf<QuiesceStatus>();
    expectTypeOf<wire.QuiesceRequestBody>().toEqualTypeOf<QuiesceRequestBody>();
    expectTypeOf<wire.ErrorCode>().toEqualTypeOf<ErrorCode>();
    expect(quiesceStateSchema.options).toEqual(["serving", "quiescing", "drained"]);
    expect(errorCodeSchema.options).toContain("quiescing");
  });
});
