// Property tests of the protocol parser (operator/quiesce/response.ts): whatever bytes, status and headers a pod
// sends, the operator gets a valid status only for a valid 2xx status body, and a bounded typed failure otherwise.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION_HEADER } from "../../../operator/protocol/quiesce-protocol.ts";
import type { ExchangeResult } from "../../../operator/quiesce/exchange.ts";
import { interpretResponse } from "../../../operator/quiesce/response.ts";

const VERSION = PROTOCOL_VERSION_HEADER.toLowerCase();
const KINDS = [
  "unauthorized",
  "http-status",
  "too-large",
  "invalid-body",
  "protocol-version",
  "refused",
  "timeout",
  "network",
];

/** Values a hostile or broken app might put where a count belongs. */
const weirdNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e308, -0),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
);
const statusLike = fc.record(
  {
    state: fc.oneof(fc.constantFrom("serving", "quiescing", "drained"), fc.string()),
    inFlight: fc.oneof(fc.nat(), weirdNumber),
    accepted: fc.oneof(fc.nat(), weirdNumber),
    refused: fc.oneof(fc.nat(), weirdNumber),
    classes: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.nat(), weirdNumber)), fc.anything()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  statusLike.map((o) => Buffer.from(JSON.stringify(o))),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.string().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
);
const headers = fc.record(
  { [VERSION]: fc.oneof(fc.constant("1"), fc.string({ maxLength: 80 })), "content-type": fc.string() },
  { requiredKeys: [] },
);
const response: fc.Arbitrary<ExchangeResult> = fc.record({
  kind: fc.constant("response" as const),
  statusCode: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom(200, 202, 204, 301, 401, 500)),
  headers,
  body,
});
const other: fc.Arbitrary<ExchangeResult> = fc.oneof(
  fc.record({
    kind: fc.constantFrom("refused" as const, "timeout" as const, "network" as const),
    message: fc.string(),
  }),
  fc.record({
    kind: fc.constant("too-large" as const),
    statusCode: fc.integer({ min: 100, max: 599 }),
    message: fc.string(),
  }),
);

/** What the protocol calls a valid status body, written independently of the parser's zod schema. */
/** A usable status: `state` and `inFlight` valid (a bad counter is read as absent, not as a failure). */
function validStatus(raw: Buffer): boolean {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString("utf8"));
  } catch {
    return false;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const count = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  return ["serving", "quiescing", "drained"].includes(o.state as string) && count(o.inFlight);
}

/** The status body's counters as the operator must read them: valid ones kept, others absent with an issue. */
function expectCounters(raw: Buffer, status: { accepted?: number; refused?: number; counterIssue?: string }) {
  const o = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  const count = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
  expect(status.accepted).toBe(count(o.accepted) ? o.accepted : undefined);
  expect(status.refused).toBe(count(o.refused) ? o.refused : undefined);
  const bad = !count(o.accepted) || (o.refused !== undefined && !count(o.refused));
  expect(status.counterIssue !== undefined).toBe(bad);
}

describe("protocol parser properties", () => {
  it("never throws; ok exactly for a 2xx, version-1 response with a valid status body", () => {
    fc.assert(
      fc.property(fc.oneof(response, other), (r) => {
        const out = interpretResponse(r);
        if (r.kind !== "response") {
          expect(out.ok).toBe(false);
          return;
        }
        const version = r.headers[VERSION];
        const expectOk =
          r.statusCode >= 200 &&
          r.statusCode < 300 &&
          (version === undefined || version === "1") &&
          validStatus(r.body);
        expect(out.ok, `status ${r.statusCode} body ${r.body.toString("utf8").slice(0, 80)}`).toBe(expectOk);
        if (out.ok) {
          expect(["serving", "quiescing", "drained"]).toContain(out.status.state);
          expect(Number.isInteger(out.status.inFlight) && out.status.inFlight >= 0).toBe(true);
          expectCounters(r.body, out.status);
          expect(out.httpStatus).toBe(r.statusCode);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("fails with a known kind and a message of at most 300 characters", () => {
    fc.assert(
      fc.property(fc.oneof(response, other), (r) => {
        const out = interpretResponse(r);
        if (out.ok) return;
        expect(KINDS).toContain(out.kind);
        expect(out.message.length).toBeLessThanOrEqual(300);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads a redirect as a failure and never as a status, whatever its body", () => {
    fc.assert(
      fc.property(fc.integer({ min: 300, max: 399 }), statusLike, (code, status) => {
        const out = interpretResponse({
          kind: "response",
          statusCode: code,
          headers: {},
          body: Buffer.from(JSON.stringify(status)),
        });
        expect(out).toMatchObject({ ok: false, kind: "http-status" });
      }),
    );
  });

  it("reads 401 and 403 as unauthorized, whatever the body claims", () => {
    fc.assert(
      fc.property(fc.constantFrom(401, 403), body, (code, b) => {
        expect(interpretResponse({ kind: "response", statusCode: code, headers: {}, body: b })).toMatchObject(
          {
            ok: false,
            kind: "unauthorized",
          },
        );
      }),
    );
  });

  it("reads a status with a hostile counter as usable, the counter absent and its issue bounded", () => {
    const value = "k".repeat(60_000);
    const out = interpretResponse({
      kind: "response",
      statusCode: 200,
      headers: {},
      body: Buffer.from(JSON.stringify({ state: "quiescing", inFlight: 1, accepted: value, refused: -1 })),
    });
    expect(out).toMatchObject({ ok: true, status: { state: "quiescing", inFlight: 1 } });
    const status = out.ok ? out.status : undefined;
    expect(status?.accepted).toBeUndefined();
    expect(status?.refused).toBeUndefined();
    expect(status?.counterIssue).toMatch(
      /^accepted is not a count \("k+\.\.\.\); refused is not a count \(-1\)$/,
    );
    expect(status?.counterIssue?.length ?? 0).toBeLessThanOrEqual(300);
  });
});
