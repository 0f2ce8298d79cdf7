// The quiesce wire protocol (docs/protocol.md): the single definition shared by the operator's client and the SDK.
import { z } from "zod";

export const PROTOCOL_VERSION_HEADER = "Quiesce-Protocol-Version";
export const PROTOCOL_VERSION = "1";
export const JSON_CONTENT_TYPE = "application/json";

/** Largest status body the operator's client reads before aborting the response. */
export const MAX_STATUS_BODY_BYTES = 64 * 1024;
/** Largest request body the app accepts on the quiesce endpoint (413 above it). */
export const MAX_REQUEST_BODY_BYTES = 1024;
/** Longest `reason` a POST body may carry. */
export const MAX_REASON_LENGTH = 256;

export const QUIESCE_METHODS = ["GET", "POST", "DELETE"] as const;

export const quiesceStateSchema = z.enum(["serving", "quiescing", "drained"]);
export type QuiesceState = z.infer<typeof quiesceStateSchema>;

/** A count as the protocol sends it: a non-negative safe integer. */
export const countSchema = z.number().int().nonnegative();

/**
 * Body of every 2xx response of the quiesce endpoint. Unknown fields are ignored (forward compatibility).
 * `accepted`: new work admitted since the process started; `refused` (optional): new work turned away because the
 * app was quiescing, since the process started. Both only ever rise within one process.
 */
export const statusBodySchema = z.object({
  state: quiesceStateSchema,
  inFlight: countSchema,
  accepted: countSchema,
  refused: countSchema.optional(),
  classes: z.record(z.string(), countSchema).optional(),
});
export type QuiesceStatus = z.infer<typeof statusBodySchema>;

/** Optional JSON body of a request to the quiesce endpoint; an empty body means `{}`. */
export const requestBodySchema = z.object({
  reason: z.string().max(MAX_REASON_LENGTH).optional(),
});
export type QuiesceRequestBody = z.infer<typeof requestBodySchema>;

/** Stable machine-readable codes in the `error` field of every non-2xx JSON body. */
export const errorCodeSchema = z.enum([
  "unauthorized",
  "method-not-allowed",
  "unsupported-protocol-version",
  "unsupported-media-type",
  "body-too-large",
  "malformed-body",
  "quiescing",
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const errorBodySchema = z.object({ error: errorCodeSchema, message: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The three calls of the protocol, by one name each: POST (quiesce), GET (status), DELETE (unquiesce). */
export const ENDPOINT_CALLS = ["quiesce", "status", "unquiesce"] as const;
export type EndpointCall = (typeof ENDPOINT_CALLS)[number];
export const CALL_METHOD: Record<EndpointCall, "POST" | "GET" | "DELETE"> = {
  quiesce: "POST",
  status: "GET",
  unquiesce: "DELETE",
};
