// The sample app built on the SDK: startSampleApp() runs it in-process (tests, light mode); main.ts wraps it.
import http from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { createQuiescer, type Quiescer, withQuiesce } from "../../operator/sdk/index.ts";
import { type ResolvedSampleAppOptions, type SampleAppOptions, sampleAppOptionsSchema } from "./options.ts";
import { workRoutes } from "./routes.ts";

/** Requests carrying this header are still served while quiescing (the allow-list case). */
export const ALLOW_HEADER = "x-quiesce-allow";

export type SampleApp = {
  address: { host: string; port: number; adminPort?: number };
  quiescer: Quiescer;
  /** Quiesce, stop accepting, wait for in-flight work (at most `shutdownTimeoutMs`), then close. */
  shutdown(): Promise<"drained" | "timed-out">;
  /** Closes at once: listeners, connections and queued jobs. */
  close(): Promise<void>;
};

export async function startSampleApp(
  input: SampleAppOptions,
  deps: { logger?: Logger } = {},
): Promise<SampleApp> {
  const options: ResolvedSampleAppOptions = sampleAppOptionsSchema.parse(input);
  const log = (deps.logger ?? pino()).child({ pod: options.podName });
  const q = createQuiescer({
    token: options.token,
    retryAfterSeconds: options.retryAfterSeconds,
    allow: (req) => req.headers[ALLOW_HEADER] !== undefined,
    classify: (req) => (req.url?.startsWith("/stream") ? "stream" : "sync"),
    onListenerError: (err) => log.error({ err }, "quiesce state listener failed"),
  });
  q.onStateChange((change) =>
    log.info(
      { from: change.from, to: change.to, inFlight: change.status.inFlight, reason: change.reason },
      "quiesce state changed",
    ),
  );
  const work = workRoutes(q, options.podName);
  const admin = options.adminPort !== undefined;
  const main = http.createServer(withQuiesce(q, work.handler, admin ? { quiescePath: false } : {}));
  const servers = [main];
  let adminServer: http.Server | undefined;
  if (admin) {
    adminServer = http.createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (path === "/quiesce") q.endpoint(req, res);
      else if (path === "/healthz") q.liveness(req, res);
      else if (path === "/readyz") q.readiness(req, res);
      else res.writeHead(404).end();
    });
    servers.push(adminServer);
  }
  try {
    await listen(main, options.port, options.host);
    if (adminServer) await listen(adminServer, options.adminPort ?? 0, options.host);
  } catch (err) {
    for (const server of servers) server.close();
    throw new Error(`sample app ${options.podName}: cannot listen on ${options.host}: ${String(err)}`);
  }
  const address = {
    host: options.host,
    port: (main.address() as AddressInfo).port,
    ...(adminServer ? { adminPort: (adminServer.address() as AddressInfo).port } : {}),
  };
  log.info({ ...address, token: options.token !== undefined }, "sample app listening");

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      work.abandonJobs();
      await Promise.all(servers.map((server) => closeServer(server)));
      log.info({ status: q.status() }, "sample app closed");
    })();
    return closed;
  };

  const shutdown = async (): Promise<"drained" | "timed-out"> => {
    q.quiesce("shutdown");
    for (const server of servers) server.close(); // no new connections; open ones finish their work
    let timer: NodeJS.Timeout | undefined;
    const capped = new Promise<"timed-out">((resolve) => {
      timer = setTimeout(() => resolve("timed-out"), options.shutdownTimeoutMs);
    });
    const outcome = await Promise.race([q.waitFor("drained").then(() => "drained" as const), capped]);
    clearTimeout(timer);
    log.info({ outcome, status: q.status() }, "sample app shutting down");
    await close();
    return outcome;
  };

  return { address, quiescer: q, shutdown, close };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
