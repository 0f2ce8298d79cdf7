// Property tests of the AdmissionReview parser (operator/webhooks/admission-review.ts): whatever JSON arrives, it
// never throws and returns either a request that really has the declared types (nothing read through a smuggled
// `__proto__`) with the sender's uid, or a bounded rejection that names request.uid when the uid is unusable.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildAdmissionResponse,
  MAX_STATUS_MESSAGE_CHARS,
  parseAdmissionReview,
} from "../../../operator/webhooks/admission-review.ts";
import { review } from "./fixtures.ts";
import {
  API_VERSION,
  answerableReview,
  hostileReview,
  hostileString,
  OPERATIONS,
  toBody,
  weird,
  withProtoKey,
} from "./hostile-reviews.ts";

const MAX_REJECTION_CHARS = 1200;

/** JSON values as the server has them: parsed from a body's text. */
const jsonInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileReview.map((v) => JSON.parse(toBody(v) || "null")) },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything().map((v) => JSON.parse(JSON.stringify(v) ?? "null")) },
);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const plain = (v: unknown): boolean =>
  isRecord(v) && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const optionalString = (v: unknown): boolean => v === undefined || typeof v === "string";
const stringArray = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === "string");

/** The declared types of a parsed request, checked by hand, own properties and plain prototypes only. */
function expectTypedRequest(request: unknown): void {
  expect(plain(request)).toBe(true);
  const r = request as Record<string, unknown>;
  expect(typeof r.uid === "string" && r.uid.length > 0).toBe(true);
  expect(OPERATIONS).toContain(r.operation);
  for (const key of ["kind", "resource"]) expect(plain(r[key])).toBe(true);
  const kind = r.kind as Record<string, unknown>;
  const resource = r.resource as Record<string, unknown>;
  for (const v of [
    kind.group,
    kind.version,
    kind.kind,
    resource.group,
    resource.version,
    resource.resource,
  ]) {
    expect(typeof v).toBe("string");
  }
  for (const key of ["subResource", "requestSubResource", "name", "namespace"]) {
    expect(optionalString(r[key]), key).toBe(true);
  }
  expect(r.dryRun === undefined || typeof r.dryRun === "boolean").toBe(true);
  expect(plain(r.userInfo)).toBe(true);
  const user = r.userInfo as Record<string, unknown>;
  expect(optionalString(user.username) && optionalString(user.uid)).toBe(true);
  expect(user.groups == null || stringArray(user.groups)).toBe(true);
  if (user.extra != null) {
    expect(plain(user.extra)).toBe(true);
    for (const v of Object.values(user.extra as object)) expect(stringArray(v)).toBe(true);
  }
}

/** The request's uid when it is a non-empty string of the request object itself. */
function usableUid(input: unknown): string | undefined {
  if (!isRecord(input) || !isRecord(input.request) || !Object.hasOwn(input.request, "uid")) return undefined;
  const uid = input.request.uid;
  return typeof uid === "string" && uid.length > 0 ? uid : undefined;
}

describe("AdmissionReview parser properties", () => {
  it("never throws; a request has its declared types and the sender's uid, a rejection is bounded", () => {
    fc.assert(
      fc.property(jsonInput, (input) => {
        const uid = usableUid(input);
        const out = parseAdmissionReview(input);
        if (out.ok) {
          expectTypedRequest(out.request);
          expect(out.request.uid).toBe(uid);
          const envelope = input as Record<string, unknown>;
          expect([envelope.apiVersion, envelope.kind]).toEqual([API_VERSION, "AdmissionReview"]);
        } else {
          expect(out.message).toMatch(/^not an admission\.k8s\.io\/v1 AdmissionReview request: \S/);
          expect(out.message.length).toBeLessThanOrEqual(MAX_REJECTION_CHARS);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("reads every review with the fields the API server always sends, whatever the rest holds", () => {
    fc.assert(
      fc.property(answerableReview, (value) => {
        const out = parseAdmissionReview(JSON.parse(toBody(value)));
        if (!out.ok) throw new Error(out.message);
        expectTypedRequest(out.request);
        expect(out.request.uid).toBe((value.request as { uid: string }).uid);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects a review whose uid is missing, empty or not a string, naming request.uid first", () => {
    const badUid = fc.oneof(
      fc.constant(undefined),
      fc.constant(""),
      weird.filter((v) => typeof v !== "string"),
    );
    fc.assert(
      fc.property(answerableReview, badUid, (value, uid) => {
        const body = toBody({ ...value, request: { ...(value.request as object), uid } });
        const out = parseAdmissionReview(JSON.parse(body));
        expect(out.ok).toBe(false);
        if (!out.ok) expect(out.message).toMatch(/AdmissionReview request: request\.uid: /);
      }),
      { numRuns: 150 },
    );
  });

  it("answers any verdict for any uid as a well-formed response, its message bounded", () => {
    const verdict = fc.record(
      {
        allowed: fc.boolean(),
        status: fc.record({ code: fc.constantFrom(403, 429), reason: fc.string(), message: hostileString }),
        patch: fc.array(fc.record({ op: fc.constant("add"), path: fc.string(), value: fc.jsonValue() })),
      },
      { requiredKeys: ["allowed"] },
    );
    fc.assert(
      fc.property(hostileString, verdict, (uid, v) => {
        const out = buildAdmissionResponse(uid, v);
        const json = JSON.parse(JSON.stringify(out)) as typeof out;
        expect(json).toMatchObject({ apiVersion: API_VERSION, kind: "AdmissionReview", response: { uid } });
        expect(json.response.allowed).toBe(v.allowed);
        expect(json.response.status?.message.length ?? 0).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
        if (v.status && v.status.message.length <= MAX_STATUS_MESSAGE_CHARS) {
          expect(json.response.status?.message).toBe(v.status.message);
        }
        if (json.response.patch !== undefined) {
          expect(json.response.patchType).toBe("JSONPatch");
          const sent: unknown = JSON.parse(Buffer.from(json.response.patch, "base64").toString("utf8"));
          expect(sent).toEqual(JSON.parse(JSON.stringify(v.patch)));
        }
      }),
      { numRuns: 300 },
    );
  });

  describe("regressions found by the properties", () => {
    it("a __proto__ key in userInfo cannot smuggle groups of the wrong type past the schema", () => {
      const input = JSON.parse(
        JSON.stringify(review({ userInfo: withProtoKey({ username: "alice" }, { groups: 5, uid: 7 }) })),
      );
      const out = parseAdmissionReview(input);
      expect(out.ok).toBe(true);
      if (out.ok) {
        expect(out.request.userInfo.groups).toBeUndefined();
        expect(out.request.userInfo.uid).toBeUndefined();
        expectTypedRequest(out.request);
      }
    });

    it("a __proto__ key in the request cannot lend it a name or a dryRun flag", () => {
      const request = (review({}) as { request: Record<string, unknown> }).request;
      const input = JSON.parse(
        JSON.stringify({ ...review({}), request: withProtoKey({ ...request }, { name: 5, dryRun: "yes" }) }),
      );
      const out = parseAdmissionReview(input);
      expect(out).toMatchObject({ ok: true });
      if (out.ok) expect([out.request.name, out.request.dryRun]).toEqual([undefined, undefined]);
    });

    it("a rejection naming a map key of 100 000 characters stays short", () => {
      const input = review({ userInfo: { extra: { ["k".repeat(100_000)]: "not a list" } } });
      const out = parseAdmissionReview(input);
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.message).toMatch(/request\.userInfo\.extra\.k{61}\.\.\.: Invalid input/);
        expect(out.message.length).toBeLessThanOrEqual(MAX_REJECTION_CHARS);
      }
    });

    it("a request nested 1 000 000 deep in object is read without a stack overflow", () => {
      const body = toBody(review({})).replace(/}}$/, `,"object":${"[".repeat(1e6)}${"]".repeat(1e6)}}}`);
      expect(parseAdmissionReview(JSON.parse(body))).toMatchObject({ ok: true });
    });
  });
});
