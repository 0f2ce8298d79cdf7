// Waits for a component's health endpoint to answer 200, failing fast if its process exits first.
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import type { ManagedProcess } from "./processes.ts";

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
}

async function getStatus(url: string, tls: TlsClient): Promise<number> {
  const options = {
    ca: tls.ca ? await readFile(tls.ca) : undefined,
    cert: tls.cert ? await readFile(tls.cert) : undefined,
    key: tls.key ? await readFile(tls.key) : undefined,
    rejectUnauthorized: tls.ca !== undefined,
    timeout: 2000,
  };
  return await new Promise((resolve) => {
    const req = request(url, options, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

export async function waitHealthy(
  process: ManagedProcess,
  url: string,
  tls: TlsClient,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const poll = (async () => {
    while (Date.now() < deadline) {
      if ((await getStatus(url, tls)) === 200) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${process.name} not healthy at ${url} after ${timeoutMs} ms; see ${process.logFile}`);
  })();
  await Promise.race([poll, process.exited]);
}
