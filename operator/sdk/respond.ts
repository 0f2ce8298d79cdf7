// Writes the SDK's JSON responses with the protocol headers.
import type { ServerResponse } from "node:http";
import type { ErrorCode } from "../protocol/quiesce-protocol.ts";
import {
  JSON_CONTENT_TYPE,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
} from "../protocol/quiesce-protocol.ts";

export function sendJson(
  res: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded) return;
  const payload = JSON.stringify(body);
  res.statusCode = statusCode;
  res.setHeader("Content-Type", `${JSON_CONTENT_TYPE}; charset=utf-8`);
  res.setHeader("Content-Length", Buffer.byteLength(payload));
  res.setHeader("Cache-Control", "no-store");
  res.setHeader(PROTOCOL_VERSION_HEADER, PROTOCOL_VERSION);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(payload);
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
