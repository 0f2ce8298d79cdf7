// Plain-HTTP /healthz, /readyz and /metrics for the kubelet's probes and Prometheus.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthChecks {
  /** Liveness: the event loop runs and nothing fatal happened. */
  live: () => boolean;
  /** Readiness: caches synced and webhooks serving. */
  ready: () => boolean;
}

export async function startHealthServer(
  host: string,
  port: number,
  checks: HealthChecks,
  registry: Registry,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
    } else if (path === "/healthz" || path === "/readyz") {
      const ok = path === "/healthz" ? checks.live() : checks.ready();
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not ready\n");
    } else if (path === "/metrics") {
      registry.metrics().then(
        (body) => res.writeHead(200, { "content-type": registry.contentType }).end(body),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
