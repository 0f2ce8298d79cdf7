// Sends one HTTP GET to a pod endpoint over a shared keep-alive agent and classifies the outcome.
import { Agent, request } from "node:http";

export interface SendResult {
  status?: number;
  /** "timeout", a socket error code such as ECONNREFUSED or ECONNRESET, or undefined on an HTTP response. */
  error?: string;
  body?: string;
  /** The request went on a pooled keep-alive socket and failed before any response byte (see sendGetRetrying). */
  staleSocket?: boolean;
}

/** A server's FIN on an idle connection is seen within a round trip; a request cut mid-work fails later. */
export const STALE_SOCKET_MS = 200;

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
}

/**
 * A GET as Go's http.Transport, curl and browsers send it: when a pooled keep-alive connection turns out to have
 * been closed by the server (the request failed at once, before any response byte), the idempotent request is
 * sent once more on another connection (RFC 9112 section 9.3.1). Without it every HTTP/1.1 client loses a request
 * now and then whenever a server closes an idle connection (Node's keepAliveTimeout, or an app going away). Only
 * a failure within STALE_SOCKET_MS counts: work cut after the server took it (a pod killed mid-request) fails
 * later, and stays a failure.
 */
export async function sendGetRetrying(
  ...args: Parameters<typeof sendGet>
): Promise<SendResult & { retried: boolean }> {
  const once = () => sendGet(...args);
  const first = await once();
  return first.staleSocket ? { ...(await once()), retried: true } : { ...first, retried: false };
}

export function sendGet(
  agent: Agent,
  endpoint: string,
  port: number,
  path: string,
  timeoutMs: number,
  maxBodyBytes = 4096,
): Promise<SendResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = request({ host: endpoint, port, path, method: "GET", agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size < maxBodyBytes) chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", () =>
        finish({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8").slice(0, maxBodyBytes),
        }),
      );
      res.on("error", (error: NodeJS.ErrnoException) => finish({ error: error.code ?? "response-error" }));
      res.on("aborted", () => finish({ error: "ECONNRESET" }));
    });
    req.on("timeout", () => {
      finish({ error: "timeout" });
      req.destroy();
    });
    const sentAt = Date.now();
    let responded = false;
    req.on("response", () => {
      responded = true;
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      const stale =
        req.reusedSocket &&
        !responded &&
        Date.now() - sentAt < STALE_SOCKET_MS &&
        (code === "ECONNRESET" || code === "EPIPE");
      finish({ error: code, ...(stale ? { staleSocket: true } : {}) });
    });
    req.end();
  });
}
