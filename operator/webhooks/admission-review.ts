// AdmissionReview v1 (admission.k8s.io/v1) on the wire: the request schema and the response builder.
import { z } from "zod";

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

const groupVersionKind = z.looseObject({ group: z.string(), version: z.string(), kind: z.string() });
const groupVersionResource = z.looseObject({ group: z.string(), version: z.string(), resource: z.string() });

export const admissionUserInfoSchema = z.looseObject({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).nullish(),
  extra: z.record(z.string(), z.array(z.string())).nullish(),
});

export const admissionRequestSchema = z.looseObject({
  uid: z.string().min(1, "request.uid must be a non-empty string"),
  kind: groupVersionKind,
  resource: groupVersionResource,
  subResource: z.string().optional(),
  requestKind: groupVersionKind.optional(),
  requestResource: groupVersionResource.optional(),
  requestSubResource: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  operation: z.enum(["CREATE", "UPDATE", "DELETE", "CONNECT"]),
  userInfo: admissionUserInfoSchema,
  object: z.unknown().optional(),
  oldObject: z.unknown().optional(),
  dryRun: z.boolean().optional(),
  options: z.unknown().optional(),
});
export type AdmissionRequest = z.infer<typeof admissionRequestSchema>;

export const admissionReviewRequestSchema = z.looseObject({
  apiVersion: z.literal(ADMISSION_API_VERSION, { error: `apiVersion must be ${ADMISSION_API_VERSION}` }),
  kind: z.literal("AdmissionReview", { error: "kind must be AdmissionReview" }),
  request: admissionRequestSchema,
});

/** What a webhook handler decides; the server wraps it into the AdmissionReview response. */
export interface AdmissionVerdict {
  allowed: boolean;
  /** Set on denials: HTTP-like code, machine reason (Forbidden, TooManyRequests) and the message a person reads. */
  status?: { code: number; reason?: string; message: string };
  /** JSONPatch operations; sent base64-encoded with patchType JSONPatch. */
  patch?: readonly unknown[];
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: "AdmissionReview";
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason?: string; message: string; status: "Failure" };
    patchType?: "JSONPatch";
    patch?: string;
    warnings?: string[];
  };
}

/** Longest status message sent back (the longest a gate writes for real names is about 1,400 characters). */
export const MAX_STATUS_MESSAGE_CHARS = 4096;
const MAX_PATH_SEGMENT_CHARS = 64;

/** `text` cut to `max` characters, ending in `...` when cut, never inside a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 3;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}...`;
}

export function buildAdmissionResponse(uid: string, verdict: AdmissionVerdict): AdmissionReviewResponse {
  const response: AdmissionReviewResponse["response"] = { uid, allowed: verdict.allowed };
  if (verdict.status) {
    const message = truncate(verdict.status.message, MAX_STATUS_MESSAGE_CHARS);
    response.status = { ...verdict.status, message, status: "Failure" };
  }
  if (verdict.patch && verdict.patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(verdict.patch)).toString("base64");
  }
  if (verdict.warnings && verdict.warnings.length > 0) response.warnings = verdict.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

/**
 * A zod error as one line a person can act on: `request.uid: ... ; request.operation: ...`. Bounded: at most 5
 * issues, each key in a path cut to 64 characters (a hostile map key can be megabytes long).
 */
export function describeSchemaError(error: z.ZodError): string {
  const pathOf = (path: readonly PropertyKey[]): string =>
    path.map((key) => truncate(String(key), MAX_PATH_SEGMENT_CHARS)).join(".");
  return error.issues
    .slice(0, 5)
    .map(
      (issue) => `${issue.path.length > 0 ? pathOf(issue.path) : "(body)"}: ${truncate(issue.message, 200)}`,
    )
    .join("; ");
}

/**
 * Removes, in place, every own `__proto__` key of a parsed JSON value (JSON.parse makes one of `{"__proto__": ...}`).
 * zod 4.1 copies a loose object's unknown keys by assignment, and assigning `__proto__` sets the parsed object's
 * prototype: its optional fields (`spec.readinessGates`, `userInfo.groups`, ...) would then be read through it,
 * unvalidated. Iterative, as a 3 MiB body nests deeper than the stack.
 */
function dropProtoKeys(json: unknown): void {
  const pending: unknown[] = [json];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== "object" || value === null) continue;
    if (Object.hasOwn(value, "__proto__")) Reflect.deleteProperty(value, "__proto__");
    for (const child of Object.values(value)) {
      if (typeof child === "object" && child !== null) pending.push(child);
    }
  }
}

export type ParsedAdmissionReview = { ok: true; request: AdmissionRequest } | { ok: false; message: string };

/** A parsed JSON body as an AdmissionReview request, or why it is not one (bounded). Never throws. */
export function parseAdmissionReview(json: unknown): ParsedAdmissionReview {
  dropProtoKeys(json);
  const parsed = admissionReviewRequestSchema.safeParse(json);
  if (parsed.success) return { ok: true, request: parsed.data.request };
  return {
    ok: false,
    message: `not an admission.k8s.io/v1 AdmissionReview request: ${describeSchemaError(parsed.error)}`,
  };
}
