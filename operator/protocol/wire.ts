// The quiesce protocol's constants and shapes without a schema library: what the SDK ships with (no zod).
export const PROTOCOL_VERSION_HEADER = "Quiesce-Protocol-Version";
export const PROTOCOL_VERSION = "1";
export const JSON_CONTENT_TYPE = "application/json";
/**
 * Sent by the operator on `GET` while the pod settles (out of the ready endpoints, not yet asked to refuse work):
 * for this many seconds the app keeps serving but releases pooled connections (docs/protocol.md §7).
 */
export const RELEASE_CONNECTIONS_HEADER = "Quiesce-Release-Connections";
/** Longest release one header asks for; a larger value is read as this. */
export const MAX_RELEASE_SECONDS = 3600;

/** Largest status body the operator's client reads before aborting the response. */
export const MAX_STATUS_BODY_BYTES = 64 * 1024;
/** Largest request body the app accepts on the quiesce endpoint (413 above it). */
export const MAX_REQUEST_BODY_BYTES = 1024;
/** Longest `reason` a POST body may carry. */
export const MAX_REASON_LENGTH = 256;

export const QUIESCE_METHODS = ["GET", "POST", "DELETE"] as const;

export const QUIESCE_STATES = ["serving", "quiescing", "drained"] as const;
export type QuiesceState = (typeof QUIESCE_STATES)[number];

/** Body of every 2xx response of the quiesce endpoint (docs/protocol.md §3); counts are non-negative integers. */
export type QuiesceStatus = {
  state: QuiesceState;
  inFlight: number;
  accepted: number;
  refused?: number | undefined;
  classes?: Record<string, number> | undefined;
};

/** Optional JSON body of a request to the quiesce endpoint; an empty body means `{}`. */
export type QuiesceRequestBody = { reason?: string | undefined };

/** Stable machine-readable codes in the `error` field of every non-2xx JSON body. */
export const ERROR_CODES = [
  "unauthorized",
  "method-not-allowed",
  "unsupported-protocol-version",
  "unsupported-media-type",
  "body-too-large",
  "malformed-body",
  "quiescing",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
