// Reads one HTTP exchange with a pod's quiesce endpoint as the protocol defines it (docs/protocol.md): a status, or
// a typed failure. Pure: the bytes come from the pod and are trusted for nothing.

import { z } from "zod";
import {
  countSchema,
  errorBodySchema,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  quiesceStateSchema,
  statusBodySchema,
} from "../protocol/quiesce-protocol.ts";
import type { ExchangeResult } from "./exchange.ts";

const MAX_MESSAGE_LENGTH = 300;

export type QuiesceFailureKind =
  | "invalid-endpoint"
  | "refused"
  | "timeout"
  | "network"
  | "unauthorized"
  | "http-status"
  | "too-large"
  | "invalid-body"
  | "protocol-version";

/**
 * A status as the operator reads it. `state` and `inFlight` are required; a counter the app got wrong (missing, not
 * a non-negative safe integer) reads as absent, with `counterIssue` saying why, so a drain never stalls on it.
 */
export interface ReadStatus {
  state: z.infer<typeof quiesceStateSchema>;
  inFlight: number;
  accepted?: number;
  refused?: number;
  classes?: Record<string, number>;
  counterIssue?: string;
}

export type QuiesceCallResult =
  | { ok: true; status: ReadStatus; httpStatus: number }
  | { ok: false; kind: QuiesceFailureKind; message: string; httpStatus?: number };

/** Never throws, whatever the pod sent; a failure's message is bounded (it ends up in Events and annotations). */
export function interpretResponse(result: ExchangeResult): QuiesceCallResult {
  const outcome = interpret(result);
  return outcome.ok ? outcome : { ...outcome, message: outcome.message.slice(0, MAX_MESSAGE_LENGTH) };
}

function interpret(result: ExchangeResult): QuiesceCallResult {
  if (result.kind === "too-large") {
    return { ok: false, kind: "too-large", message: result.message, httpStatus: result.statusCode };
  }
  if (result.kind !== "response") return { ok: false, kind: result.kind, message: result.message };
  const httpStatus = result.statusCode;
  const version = result.headers[PROTOCOL_VERSION_HEADER.toLowerCase()];
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    return {
      ok: false,
      kind: "protocol-version",
      message: `the app speaks protocol version ${String(version).slice(0, 32)}, not ${PROTOCOL_VERSION}`,
      httpStatus,
    };
  }
  if (httpStatus === 401 || httpStatus === 403) {
    return {
      ok: false,
      kind: "unauthorized",
      message: `the app refused the credentials (${httpStatus})`,
      httpStatus,
    };
  }
  if (httpStatus >= 300 && httpStatus < 400) {
    return { ok: false, kind: "http-status", message: `redirect (${httpStatus}) not followed`, httpStatus };
  }
  const json = parseJson(result.body);
  if (httpStatus < 200 || httpStatus >= 300) {
    const error = errorBodySchema.safeParse(json);
    const detail = error.success ? ` (${error.data.error})` : "";
    return {
      ok: false,
      kind: "http-status",
      message: `unexpected HTTP status ${httpStatus}${detail}`,
      httpStatus,
    };
  }
  if (json === undefined) {
    return { ok: false, kind: "invalid-body", message: "response body is not valid JSON", httpStatus };
  }
  const status = statusBodySchema.safeParse(json);
  if (status.success) return { ok: true, status: status.data, httpStatus };
  const partial = partialStatusSchema.safeParse(json);
  if (partial.success) return { ok: true, status: withCounters(partial.data, json), httpStatus };
  const issue = partial.error.issues[0];
  return {
    ok: false,
    kind: "invalid-body",
    message: `invalid status body: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "?"}`,
    httpStatus,
  };
}

/** What a drain cannot do without; the counters and classes are read one by one (withCounters). */
const partialStatusSchema = z.object({ state: quiesceStateSchema, inFlight: countSchema });

function withCounters(base: z.infer<typeof partialStatusSchema>, json: unknown): ReadStatus {
  const body = json as Record<string, unknown>;
  const issues: string[] = [];
  const read = (field: "accepted" | "refused", required: boolean): number | undefined => {
    const value = body[field];
    if (value === undefined && !required) return undefined;
    if (countSchema.safeParse(value).success) return value as number;
    issues.push(value === undefined ? `${field} is missing` : `${field} is not a count (${describe(value)})`);
    return undefined;
  };
  const accepted = read("accepted", true);
  const refused = read("refused", false);
  const status: ReadStatus = { ...base };
  if (accepted !== undefined) status.accepted = accepted;
  if (refused !== undefined) status.refused = refused;
  if (issues.length > 0) status.counterIssue = issues.join("; ");
  return status;
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value));
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}
