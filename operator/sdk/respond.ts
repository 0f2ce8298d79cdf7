// Writes the SDK's JSON responses with the protocol headers.
import type { ServerResponse } from "node:http";
import { writeJson } from "../protocol/http-body.ts";
import {
  type ErrorCode,
  JSON_CONTENT_TYPE,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
} from "../protocol/wire.ts";

const PROTOCOL_HEADERS = {
  "Content-Type": `${JSON_CONTENT_TYPE}; charset=utf-8`,
  "Cache-Control": "no-store",
  [PROTOCOL_VERSION_HEADER]: PROTOCOL_VERSION,
};

export function sendJson(
  res: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  writeJson(res, statusCode, body, { ...PROTOCOL_HEADERS, ...headers });
}

/** An error response; `Connection: close` because the request body may be unread. */
export function sendError(
  res: ServerResponse,
  statusCode: number,
  error: ErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, statusCode, { error, message }, { Connection: "close", ...headers });
}
