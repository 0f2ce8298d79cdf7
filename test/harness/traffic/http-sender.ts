// Sends one HTTP GET to a pod endpoint over a shared keep-alive agent and classifies the outcome.
import { Agent, request } from "node:http";

export interface SendResult {
  status?: number;
  /** "timeout", a socket error code such as ECONNREFUSED or ECONNRESET, or undefined on an HTTP response. */
  error?: string;
  body?: string;
}

export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
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
    req.on("error", (error: NodeJS.ErrnoException) => finish({ error: error.code ?? error.message }));
    req.end();
  });
}
