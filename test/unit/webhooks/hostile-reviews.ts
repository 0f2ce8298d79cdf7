// fast-check arbitraries of hostile admission input for the webhook property tests: JSON bodies shaped like an
// AdmissionReview whose fields take wrong types, huge or odd unicode strings, deep nesting and `__proto__` keys.
import fc from "fast-check";
import { ANNOTATIONS, DRAIN_PHASES } from "../../../operator/api/pod-annotations.ts";
import { BREAK_GLASS_ANNOTATION } from "../../../operator/webhooks/pod-state.ts";

export const API_VERSION = "admission.k8s.io/v1";
export const OPERATIONS = ["CREATE", "UPDATE", "DELETE", "CONNECT"] as const;

/** Stands for a deeply nested JSON value; `toBody` writes it as raw text (JSON.stringify would recurse). */
const DEEP = "\u0000deep:";

/** `depth` nested arrays or objects, as the text `toBody` puts in place of the marker. */
const deep: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 5_000 }), fc.boolean())
  .map(([depth, arrays]) => `${DEEP}${depth}:${arrays ? "a" : "o"}`);

function deepJson(depth: number, arrays: boolean): string {
  return arrays
    ? `${"[".repeat(depth)}${"]".repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Strings a hostile caller might send: any unicode (lone surrogates too), control characters, huge ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme" }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary" }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", " ", "\u0000", "\ud800", "__proto__", "constructor", "toString", "\u202e"),
  },
  { weight: 1, arbitrary: fc.integer({ min: 10_000, max: 100_000 }).map((n) => "x".repeat(n)) },
);

/** Any JSON-able value of the wrong kind for a field: numbers, booleans, null, arrays, objects, deep nesting. */
export const weird: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  deep,
);

/** Gives `target` an own `__proto__` key, as JSON.parse does for `{"__proto__": ...}`. */
export function withProtoKey<T extends object>(target: T, value: unknown): T {
  Object.defineProperty(target, "__proto__", { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** Sometimes adds an own `__proto__` key whose object smuggles fields of the wrong type. */
function smuggling<T extends object>(arb: fc.Arbitrary<T>, fields: readonly string[]): fc.Arbitrary<T> {
  return fc
    .tuple(arb, fc.option(fc.dictionary(fc.constantFrom(...fields), weird), { freq: 4 }))
    .map(([target, proto]) =>
      proto === null || typeof target !== "object" || target === null ? target : withProtoKey(target, proto),
    );
}

/** A valid value, most of the time; else a wrong one or none (undefined: JSON.stringify leaves the key out). */
export function field<T>(valid: fc.Arbitrary<T>, validWeight = 4): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: validWeight, arbitrary: valid },
    { weight: 1, arbitrary: weird },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const annotationValue = fc.oneof(
  fc.constantFrom(...DRAIN_PHASES),
  fc.constantFrom(
    "2025-03-04T13:50:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2025-13-45T99:99:99Z",
  ),
  fc.constantFrom("0", "7", "9999999999999999", "-1", "1e3"),
  hostileString,
);
const annotations = fc.oneof(
  fc.dictionary(
    fc.constantFrom(...Object.values(ANNOTATIONS), BREAK_GLASS_ANNOTATION),
    fc.oneof({ weight: 4, arbitrary: annotationValue }, { weight: 1, arbitrary: weird }),
  ),
  fc.dictionary(hostileString, hostileString, { maxKeys: 5 }),
);
const labels = fc.oneof(
  fc.constant({ app: "sprout" }),
  fc.record(
    { app: fc.constantFrom("sprout", "other"), keep: fc.constantFrom("1", "0") },
    { requiredKeys: ["app"] },
  ),
  fc.dictionary(hostileString, hostileString, { maxKeys: 5 }),
);
const container = smuggling(
  fc.record(
    {
      name: field(fc.constantFrom("app", "sidecar")),
      lifecycle: field(fc.oneof(fc.constant({}), fc.record({ preStop: weird }))),
      image: weird,
    },
    { requiredKeys: [] },
  ),
  ["name", "lifecycle"],
);
const metadata = smuggling(
  fc.record(
    {
      name: field(hostileString),
      generateName: field(hostileString),
      namespace: field(fc.oneof(fc.constant("telecom"), hostileString)),
      uid: field(fc.uuid()),
      labels: field(labels),
      annotations: field(annotations),
      deletionTimestamp: field(fc.constantFrom("2025-03-04T13:50:00Z", "not a time"), 1),
    },
    { requiredKeys: [] },
  ),
  ["name", "namespace", "labels", "annotations", "deletionTimestamp"],
);
const spec = smuggling(
  fc.record(
    {
      containers: field(fc.array(container, { maxLength: 4 })),
      readinessGates: field(
        fc.array(fc.record({ conditionType: field(fc.constant("quiesce.dev/serving")) })),
      ),
      terminationGracePeriodSeconds: field(fc.oneof(fc.integer(), fc.double())),
    },
    { requiredKeys: [] },
  ),
  ["containers", "readinessGates", "terminationGracePeriodSeconds"],
);
const status = smuggling(
  fc.record(
    {
      phase: field(fc.constantFrom("Running", "Pending", "Succeeded")),
      conditions: field(
        fc.array(
          fc.record({ type: field(fc.constant("Ready")), status: field(fc.constantFrom("True", "False")) }),
        ),
      ),
    },
    { requiredKeys: [] },
  ),
  ["phase", "conditions"],
);

/** A Pod or Eviction as `object` / `oldObject`: mostly readable, with hostile parts. */
export const podLike: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: smuggling(fc.record({ metadata, spec, status }, { requiredKeys: [] }), ["metadata", "spec"]),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      apiVersion: fc.constant("policy/v1"),
      kind: fc.constant("Eviction"),
      metadata,
      deleteOptions: field(fc.record({ dryRun: field(fc.array(fc.constantFrom("All", "x"))) })),
    }),
  },
  { weight: 1, arbitrary: weird },
);

const podKind = fc.constant({ group: "", version: "v1", kind: "Pod" });
const podsResource = fc.constant({ group: "", version: "v1", resource: "pods" });
const otherResource = fc.record({ group: hostileString, version: hostileString, resource: hostileString });
/** userInfo with each field valid or absent, or (`wrong`) possibly of a wrong type. */
function userInfoOf(wrong: boolean): fc.Arbitrary<Record<string, unknown>> {
  const maybe = <T>(valid: fc.Arbitrary<T>) => (wrong ? field(valid) : fc.option(valid, { nil: undefined }));
  return smuggling(
    fc.record(
      {
        username: maybe(hostileString),
        uid: maybe(hostileString),
        groups: maybe(fc.array(hostileString, { maxLength: 4 })),
        extra: maybe(fc.dictionary(hostileString, fc.array(hostileString, { maxLength: 2 }), { maxKeys: 3 })),
      },
      { requiredKeys: [] },
    ),
    ["username", "uid", "groups", "extra"],
  );
}

/** A uid the API server could send (a UUID), or any other non-empty string. */
export const usableUid: fc.Arbitrary<string> = fc.oneof(
  fc.uuid(),
  hostileString.filter((s) => s.length > 0),
);

/**
 * The request of a review the server must answer 200: every field the API server always sends, valid; the
 * optional ones valid or absent; object, oldObject, options, unknown fields and `__proto__` keys anything.
 */
export const answerableRequest: fc.Arbitrary<Record<string, unknown>> = smuggling(
  fc.record(
    {
      uid: usableUid,
      kind: fc.oneof(podKind, fc.constant({ group: "policy", version: "v1", kind: "Eviction" })),
      resource: fc.oneof({ weight: 4, arbitrary: podsResource }, { weight: 1, arbitrary: otherResource }),
      subResource: fc.option(fc.constantFrom("eviction", "status", ""), { nil: undefined }),
      name: fc.option(fc.oneof(fc.constant("sprout-1"), hostileString), { nil: undefined }),
      namespace: fc.option(fc.oneof(fc.constant("telecom"), hostileString), { nil: undefined }),
      operation: fc.constantFrom(...OPERATIONS),
      userInfo: userInfoOf(false),
      object: fc.option(podLike, { nil: undefined }),
      oldObject: fc.option(podLike, { nil: undefined }),
      dryRun: fc.option(fc.boolean(), { nil: undefined }),
      options: fc.option(weird, { nil: undefined }),
      unknownField: fc.option(weird, { nil: undefined }),
    },
    { requiredKeys: ["uid", "kind", "resource", "operation", "userInfo"] },
  ),
  ["uid", "name", "namespace", "subResource", "dryRun", "operation", "object", "oldObject"],
);

/** A request shaped like an AdmissionReview's, any field possibly wrong or missing (uid included). */
const anyRequest: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: smuggling(
      fc.record(
        {
          uid: fc.oneof(usableUid, weird, fc.constant(undefined), fc.constant("")),
          kind: field(podKind),
          resource: field(fc.oneof(podsResource, otherResource)),
          subResource: field(fc.constantFrom("eviction", "status", ""), 1),
          name: field(hostileString, 1),
          namespace: field(hostileString, 1),
          operation: field(fc.oneof(fc.constantFrom(...OPERATIONS), hostileString)),
          userInfo: field(userInfoOf(true)),
          object: field(podLike),
          oldObject: field(podLike),
          dryRun: field(fc.boolean(), 1),
        },
        { requiredKeys: [] },
      ),
      ["uid", "operation", "userInfo", "name"],
    ),
  },
  { weight: 1, arbitrary: answerableRequest },
  { weight: 1, arbitrary: weird },
);

/** Objects shaped like an AdmissionReview with hostile fields. */
export const hostileReview: fc.Arbitrary<unknown> = fc.record(
  {
    apiVersion: field(fc.constant(API_VERSION), 8),
    kind: field(fc.constant("AdmissionReview"), 8),
    request: anyRequest,
    response: fc.option(weird, { nil: undefined }),
  },
  { requiredKeys: [] },
);

/** A review the server must answer 200. */
export const answerableReview: fc.Arbitrary<Record<string, unknown>> = answerableRequest.map((request) => ({
  apiVersion: API_VERSION,
  kind: "AdmissionReview",
  request,
}));

/** The body text of `value`, with the deep-nesting markers written out as raw JSON. */
export function toBody(value: unknown): string {
  const text = JSON.stringify(value) ?? "";
  return text.includes("deep:")
    ? text.replace(/"\\u0000deep:(\d+):([ao])"/g, (_m, depth: string, kind: string) =>
        deepJson(Number(depth), kind === "a"),
      )
    : text;
}

/** Any request body: hostile reviews, any JSON value, anything through JSON, any text, any bytes. */
export const anyBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  { weight: 4, arbitrary: hostileReview.map(toBody) },
  { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.anything().map((v) => JSON.stringify(v) ?? "") },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)) },
);
