// Loopback HTTP helpers for SDK tests: start a server on 127.0.0.1:0, send requests, wait on conditions.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

export async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export async function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export function send(
  url: string,
  init: {
    method?: string;
    headers?: http.OutgoingHttpHeaders;
    body?: string | Buffer;
    agent?: http.Agent;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? "GET", headers: init.headers, agent: init.agent ?? false },
      (res) => void readReply(res).then(resolve, reject),
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Reads a response to its end (HTTP or HTTPS). */
export function readReply(res: http.IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () =>
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      }),
    );
    res.on("error", reject);
  });
}

/** Polls `condition` until it holds or `timeoutMs` passes (then throws with `what`). */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A set of held requests the test releases explicitly. */
export class Gate {
  readonly #waiting: Array<() => void> = [];
  get size(): number {
    return this.#waiting.length;
  }
  hold(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  releaseOne(): boolean {
    const next = this.#waiting.shift();
    next?.();
    return next !== undefined;
  }
  releaseAll(): void {
    while (this.releaseOne()) {}
  }
}
