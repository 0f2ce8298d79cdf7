// The quiesce wire protocol (docs/protocol.md) as zod schemas over wire.ts: the operator's single definition.
import { z } from "zod";
import { ERROR_CODES, MAX_REASON_LENGTH, QUIESCE_STATES } from "./wire.ts";

export {
  ERROR_CODES,
  JSON_CONTENT_TYPE,
  MAX_REASON_LENGTH,
  MAX_REQUEST_BODY_BYTES,
  MAX_STATUS_BODY_BYTES,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  QUIESCE_METHODS,
  QUIESCE_STATES,
  RELEASE_CONNECTIONS_HEADER,
} from "./wire.ts";

export const quiesceStateSchema = z.enum(QUIESCE_STATES);
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
export const errorCodeSchema = z.enum(ERROR_CODES);
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
