// HTTP bodies on the server side, shared by the webhook server and the SDK: a bounded reader and a JSON responder.
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { JSON_CONTENT_TYPE } from "./wire.ts";

/** What the reader needs of a request: an `IncomingMessage`, or any readable with headers. */
export type BodySource = Readable & { readonly headers: IncomingHttpHeaders };

export type BodyTooLarge = { kind: "too-large"; limit: number };
/** The peer went away or the stream failed before the body was complete. */
export type BodyAborted = { kind: "aborted"; message: string };
export type BodyNotJson = { kind: "bad-json"; message: string };
export type BodyRead = { kind: "ok"; body: Buffer } | BodyTooLarge | BodyAborted;
export type JsonParse = { kind: "ok"; json: unknown } | BodyNotJson;
export type JsonBodyRead = { kind: "ok"; json: unknown } | BodyTooLarge | BodyAborted | BodyNotJson;

/**
 * Reads the whole body, holding at most `limit` bytes: a declared Content-Length above it is refused before any
 * byte is read, and a body that grows past it stops being read (the stream is paused, the rest left unread, so the
 * caller should answer with `Connection: close`). Never rejects.
 */
export function readBody(source: BodySource, limit: number): Promise<BodyRead> {
  const declared = Number(source.headers["content-length"] ?? "0");
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: "too-large", limit });
  // Already read to its end, e.g. by a body parser mounted before the SDK: nothing is left, the body is empty.
  if (source.readableEnded) return Promise.resolve({ kind: "ok", body: Buffer.alloc(0) });
  if (source.destroyed) return Promise.resolve({ kind: "aborted", message: "request aborted" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead): void => {
      source.off("data", onData);
      source.off("end", onEnd);
      source.off("error", onError);
      source.off("close", onClose);
      if (result.kind !== "ok") {
        source.pause();
        // A stream that errors after we gave up must not crash the process with an unhandled 'error'.
        source.on("error", ignore);
      }
      resolve(result);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > limit) finish({ kind: "too-large", limit });
      else chunks.push(bytes);
    };
    const onEnd = (): void => finish({ kind: "ok", body: Buffer.concat(chunks, size) });
    const onError = (err: Error): void => finish({ kind: "aborted", message: err.message });
    // Without an error first (a plain destroy()): closed before the end is an abort too.
    const onClose = (): void => finish({ kind: "aborted", message: "request aborted" });
    source.on("data", onData);
    source.on("end", onEnd);
    source.on("error", onError);
    source.on("close", onClose);
  });
}

function ignore(): void {}

/** Parses a UTF-8 JSON body; an empty body is not JSON. Never throws. */
export function parseJson(body: Buffer): JsonParse {
  try {
    return { kind: "ok", json: JSON.parse(body.toString("utf8")) };
  } catch (error) {
    return { kind: "bad-json", message: error instanceof Error ? error.message : String(error) };
  }
}

/** `readBody`, then `parseJson`. Never rejects. */
export async function readJsonBody(source: BodySource, limit: number): Promise<JsonBodyRead> {
  const read = await readBody(source, limit);
  return read.kind === "ok" ? parseJson(read.body) : read;
}

/**
 * Answers `status` with `body` as JSON (`Content-Type: application/json` unless `headers` says otherwise) and its
 * Content-Length; `headers` add to (or replace) what is already set on `res`. For HEAD, Node sends the headers
 * and drops the payload. Returns false, writing nothing, once the response has started.
 */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: OutgoingHttpHeaders = {},
): boolean {
  if (res.headersSent || res.writableEnded) return false;
  const payload = JSON.stringify(body) ?? "null";
  res.statusCode = status;
  res.setHeader("Content-Type", JSON_CONTENT_TYPE);
  res.setHeader("Content-Length", Buffer.byteLength(payload));
  for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
  res.end(payload);
  return true;
}
