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

export function buildAdmissionResponse(uid: string, verdict: AdmissionVerdict): AdmissionReviewResponse {
  const response: AdmissionReviewResponse["response"] = { uid, allowed: verdict.allowed };
  if (verdict.status) response.status = { ...verdict.status, status: "Failure" };
  if (verdict.patch && verdict.patch.length > 0) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(verdict.patch)).toString("base64");
  }
  if (verdict.warnings && verdict.warnings.length > 0) response.warnings = verdict.warnings;
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}

/** A zod error as one line a person can act on: `request.uid: ... ; request.operation: ...`. */
export function describeSchemaError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(body)"}: ${issue.message}`)
    .join("; ");
}
