// A minimal HTTPS client for the webhook server tests: one fresh TLS connection per request (no agent).
import { request } from "node:https";
import { type Reply, readReply } from "../sdk/http-helpers.ts";

export type { Reply };

export function call(
  port: number,
  path: string,
  options: {
    ca: string;
    method?: string;
    body?: string | Buffer;
    headers?: Record<string, string>;
    servername?: string;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "POST",
        ca: options.ca,
        agent: false,
        headers: { "content-type": "application/json", ...options.headers },
      },
      (res) => void readReply(res).then(resolve, reject),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
