// One bounded HTTP exchange with a pod: a single IP, no redirects, no pooling, a deadline and a body-size cap.
import http from "node:http";
import https from "node:https";
import { readBody } from "../protocol/http-body.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";

export type ExchangeRequest = {
  https: boolean;
  ip: string;
  port: number;
  path: string;
  method: "GET" | "POST" | "DELETE";
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxBodyBytes: number;
};

export type ExchangeResult =
  | { kind: "response"; statusCode: number; headers: http.IncomingHttpHeaders; body: Buffer }
  | { kind: "refused" | "timeout" | "network"; message: string }
  | { kind: "too-large"; statusCode: number; message: string };

const MAX_HEADER_BYTES = 16 * 1024;

export function exchange(
  request: ExchangeRequest,
  clock: Pick<Clock, "setTimer"> = systemClock,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const finish = (result: ExchangeResult): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      req?.destroy(); // frees the socket at once; nothing more is read
      resolve(result);
    };
    const timer = clock.setTimer(request.timeoutMs, () =>
      finish({ kind: "timeout", message: `no complete response within ${request.timeoutMs} ms` }),
    );
    const options = requestOptions(request);
    try {
      req = request.https
        ? // Pods have no identity the cluster can verify (self-signed certificates); the bearer token, not TLS,
          // authenticates the operator, and TLS only keeps the token off the wire.
          https.request({ ...options, rejectUnauthorized: false })
        : http.request(options);
    } catch (err) {
      finish({ kind: "network", message: `request not sent: ${errorText(err)}` });
      return;
    }
    req.on("error", (err: NodeJS.ErrnoException) =>
      finish({
        kind: err.code === "ECONNREFUSED" ? "refused" : "network",
        message: err.code === "ECONNREFUSED" ? "connection refused" : errorText(err),
      }),
    );
    req.on("response", (res) => collectResponse(res, request.maxBodyBytes, finish));
    req.end(request.body);
  });
}

function requestOptions(request: ExchangeRequest): https.RequestOptions {
  return {
    host: request.ip,
    port: request.port,
    path: request.path,
    method: request.method,
    headers: request.headers,
    agent: false, // a fresh connection per call: a draining pod closes pooled ones
    maxHeaderSize: MAX_HEADER_BYTES,
    // The host is an IP literal, so no lookup happens; refuse one anyway so nothing but that IP is ever dialled.
    lookup: (hostname, _opts, callback) =>
      callback(new Error(`refusing to resolve ${hostname}: only the pod IP may be dialled`), "", 0),
  };
}

/** Reads the body up to `maxBodyBytes` (the one bounded reader of protocol/http-body.ts), then finishes with it. */
function collectResponse(
  res: http.IncomingMessage,
  maxBodyBytes: number,
  finish: (result: ExchangeResult) => void,
): void {
  const statusCode = res.statusCode ?? 0;
  void readBody(res, maxBodyBytes).then((read) => {
    if (read.kind === "ok") finish({ kind: "response", statusCode, headers: res.headers, body: read.body });
    else if (read.kind === "too-large")
      finish({ kind: "too-large", statusCode, message: `response body exceeds ${maxBodyBytes} bytes` });
    else finish({ kind: "network", message: `response interrupted: ${read.message}` });
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
