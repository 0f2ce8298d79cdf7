// One HTTP call of a conformance run, on a fresh connection like the operator's; the answer's body capped at 64 KiB.
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import { MAX_STATUS_BODY_BYTES } from "../../../protocol/quiesce-protocol.ts";
import type { RecordedResponse } from "./exchange.ts";

export interface CallSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Send this Content-Length and no body at all. */
  declaredLength?: number;
  timeoutMs: number;
}

export interface CallResult {
  response?: RecordedResponse;
  error?: string;
  ms: number;
}

export type Caller = (spec: CallSpec) => Promise<CallResult>;

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  return out;
}

/** Never rejects: a refused connection, a timeout or an oversized body is a result with `error`. */
export const call: Caller = (spec) => {
  const started = performance.now();
  const url = new URL(spec.url);
  const headers = { ...spec.headers };
  if (spec.declaredLength !== undefined) headers["Content-Length"] = String(spec.declaredLength);
  else if (spec.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(spec.body));
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<CallResult, "ms">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...result, ms: Math.round(performance.now() - started) });
    };
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_STATUS_BODY_BYTES)
          finish({ error: `the answer's body is over ${MAX_STATUS_BODY_BYTES} bytes` });
        else chunks.push(chunk);
      });
      res.on("end", () =>
        finish({
          response: {
            status: res.statusCode ?? 0,
            headers: flatten(res.headers),
            body: Buffer.concat(chunks).toString("utf8"),
          },
        }),
      );
      res.on("error", (error) => finish({ error: error.message }));
    };
    const options = { method: spec.method, headers, agent: false as const };
    const req =
      url.protocol === "https:"
        ? https.request(url, { ...options, rejectUnauthorized: false }, onResponse) // the operator does not verify pods (§5)
        : http.request(url, options, onResponse);
    const timer = setTimeout(
      () => finish({ error: `no complete answer within ${spec.timeoutMs / 1000} s` }),
      spec.timeoutMs,
    );
    req.on("error", (error) => finish({ error: error.message }));
    if (spec.declaredLength !== undefined) req.flushHeaders();
    else req.end(spec.body);
  });
};
