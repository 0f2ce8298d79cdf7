// The SDK's check of a quiesce request body, without zod: agrees with requestBodySchema (a unit test holds it).
import { MAX_REASON_LENGTH, type QuiesceRequestBody } from "../protocol/wire.ts";

export type RequestBodyCheck = { ok: true; body: QuiesceRequestBody } | { ok: false; message: string };

/** A JSON object whose optional `reason` is a string of at most 256 characters; unknown fields are dropped. */
export function checkRequestBody(json: unknown): RequestBodyCheck {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, message: "expected a JSON object" };
  }
  const reason: unknown = Object.hasOwn(json, "reason") ? (json as { reason: unknown }).reason : undefined;
  if (reason === undefined) return { ok: true, body: {} };
  if (typeof reason !== "string") return { ok: false, message: "reason must be a string" };
  if (reason.length > MAX_REASON_LENGTH) {
    return { ok: false, message: `reason must be at most ${MAX_REASON_LENGTH} characters` };
  }
  return { ok: true, body: { reason } };
}
