// One bounded HTTP exchange with a pod: a single IP, no redirects, no pooling, a deadline and a body-size cap.
import http from "node:http";
import https from "node:https";
import { type Clock, systemClock, type Timer } from "../runtime/clock.ts";

/** @deprecated Pass a Clock; this shape is read until quiesce/client.ts passes one. */
export type Timers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** @deprecated systemClock. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => systemClock.setTimer(ms, callback),
  clearTimeout: (handle) => (handle as Timer).cancel(),
};

type TimerClock = Pick<Clock, "setTimer">;

function asClock(timers: TimerClock | Timers): TimerClock {
  if ("setTimer" in timers) return timers;
  return {
    setTimer(ms, fn) {
      const handle = timers.setTimeout(fn, ms);
      return { cancel: () => timers.clearTimeout(handle) };
    },
  };
}

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
  clock: TimerClock | Timers = systemClock,
): Promise<ExchangeResult> {
  const deadlines = asClock(clock);
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
    const timer = deadlines.setTimer(request.timeoutMs, () =>
      finish({ kind: "timeout", message: `no complete response within ${request.timeoutMs} ms` }),
    );
    const options: https.RequestOptions = {
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
    req.on("response", (res) => {
      const statusCode = res.statusCode ?? 0;
      const tooLarge = (): void =>
        finish({
          kind: "too-large",
          statusCode,
          message: `response body exceeds ${request.maxBodyBytes} bytes`,
        });
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > request.maxBodyBytes) {
        tooLarge();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxBodyBytes) tooLarge();
        else chunks.push(chunk);
      });
      res.on("end", () =>
        finish({ kind: "response", statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on("error", (err) =>
        finish({ kind: "network", message: `response interrupted: ${errorText(err)}` }),
      );
      res.on("aborted", () => finish({ kind: "network", message: "response aborted by the pod" }));
    });
    req.end(request.body);
  });
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
