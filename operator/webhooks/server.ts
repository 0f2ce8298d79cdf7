// The admission webhook HTTPS server: /mutate-pods, /validate-pod-deletion, /healthz; bounded, validated, never crashes.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Logger } from "pino";
import { readJsonBody, writeJson } from "../protocol/http-body.ts";
import type { AdmissionHandler } from "./admission-handlers.ts";
import { buildAdmissionResponse, parseAdmissionReview } from "./admission-review.ts";
import type { CertificatePair } from "./certificates.ts";

/** Idle keep-alive connections are kept longer than any API server keeps them (Go: 90 s). */
export const WEBHOOK_KEEP_ALIVE_MS = 120_000;

export const MUTATE_PODS_PATH = "/mutate-pods";
export const VALIDATE_POD_DELETION_PATH = "/validate-pod-deletion";
export const HEALTHZ_PATH = "/healthz";
/** The API server caps admission bodies near 3 MiB; anything larger is not a review it sent. */
export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

export type WebhookName = "mutate-pods" | "validate-pod-deletion";
export type WebhookResult = "allowed" | "patched" | "denied" | "bad-request" | "error";

export interface WebhookServerOptions {
  tls: CertificatePair;
  handlers: Record<WebhookName, AdmissionHandler>;
  /** Called once per review request with its duration, e.g. into a Prometheus histogram. */
  observeLatency?: (labels: { webhook: WebhookName; result: WebhookResult }, seconds: number) => void;
  logger?: Logger;
  maxBodyBytes?: number;
}

export interface WebhookServer {
  server: Server;
  /** Listens on host:port (port 0 picks one) and resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Serves `pair` to new TLS connections from now on; established connections keep theirs. */
  setCertificate(pair: CertificatePair): void;
  /** Shutting down: every answer from now on carries `Connection: close`, so callers reconnect elsewhere. */
  closeConnectionsAfterEachCall(): void;
  /** Stops accepting, lets calls in flight finish (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

const ROUTES: Record<string, WebhookName> = {
  [MUTATE_PODS_PATH]: "mutate-pods",
  [VALIDATE_POD_DELETION_PATH]: "validate-pod-deletion",
};

function sendError(res: ServerResponse, status: number, message: string): boolean {
  return writeJson(res, status, { error: message });
}

interface ReviewContext {
  handlers: Record<WebhookName, AdmissionHandler>;
  limit: number;
  log: Logger | undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function review(
  ctx: ReviewContext,
  webhook: WebhookName,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<WebhookResult> {
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    sendError(res, 405, `${req.method ?? "?"} not allowed: admission reviews are POSTed`);
    return "bad-request";
  }
  const read = await readJsonBody(req, ctx.limit);
  if (read.kind === "too-large") {
    res.setHeader("connection", "close"); // the rest of the body is not read
    sendError(res, 413, `request body larger than ${ctx.limit} bytes`);
    return "bad-request";
  }
  if (read.kind === "aborted") {
    failed(ctx.log, webhook, res, read.message);
    return "error";
  }
  if (read.kind === "bad-json") {
    sendError(res, 400, `body is not JSON: ${read.message}`);
    return "bad-request";
  }
  const parsed = parseAdmissionReview(read.json);
  if (!parsed.ok) {
    sendError(res, 400, parsed.message);
    return "bad-request";
  }
  const request = parsed.request;
  const verdict = await ctx.handlers[webhook](request);
  writeJson(res, 200, buildAdmissionResponse(request.uid, verdict));
  if (!verdict.allowed) return "denied";
  return verdict.patch && verdict.patch.length > 0 ? "patched" : "allowed";
}

/** A review that could not be answered: 500 (the API server applies failurePolicy), or cut if already begun. */
function failed(log: Logger | undefined, webhook: WebhookName, res: ServerResponse, detail: string): void {
  log?.error({ webhook, err: detail }, "admission review failed");
  if (!sendError(res, 500, `webhook ${webhook} failed: ${detail}`)) res.destroy();
}

function createRequestHandler(
  options: WebhookServerOptions,
  closeAfterEachCall: () => boolean,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const ctx: ReviewContext = {
    handlers: options.handlers,
    limit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    log: options.logger,
  };
  return async (req, res) => {
    if (closeAfterEachCall()) res.setHeader("connection", "close");
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === HEALTHZ_PATH) {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    const webhook = ROUTES[path];
    if (webhook === undefined) {
      sendError(res, 404, `no webhook at ${path}`);
      return;
    }
    const started = performance.now();
    let result: WebhookResult;
    try {
      result = await review(ctx, webhook, req, res);
    } catch (error) {
      result = "error";
      failed(ctx.log, webhook, res, errorText(error));
    }
    try {
      options.observeLatency?.({ webhook, result }, (performance.now() - started) / 1000);
    } catch (error) {
      ctx.log?.error({ webhook, err: errorText(error) }, "latency observer failed");
    }
  };
}

function createHttpsServer(
  tls: CertificatePair,
  log: Logger | undefined,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Server {
  const server = createServer(
    { cert: tls.cert, key: tls.key, minVersion: "TLSv1.2" },
    (req, res) => void handle(req, res),
  );
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  // The API server keeps idle connections for 90 s (Go's transport default) and does not retry a POST on a
  // connection the server closed meanwhile: with Node's 5 s default the race fails the call, and failurePolicy
  // Ignore then lets a pod DELETE through without its drain. Outlive the client's idle timeout instead.
  server.keepAliveTimeout = WEBHOOK_KEEP_ALIVE_MS;
  server.on("tlsClientError", (error) => log?.debug({ err: error.message }, "TLS handshake failed"));
  server.on("clientError", (error, socket) => {
    log?.debug({ err: error.message }, "bad HTTP request");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeWithGrace(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.once("close", () => clearTimeout(force));
  });
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const log = options.logger;
  let closeAfterEachCall = false;
  const server = createHttpsServer(
    options.tls,
    log,
    createRequestHandler(options, () => closeAfterEachCall),
  );
  return {
    server,
    listen: (port, host = "127.0.0.1") => listenOn(server, port, host),
    setCertificate(pair) {
      server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: "TLSv1.2" });
      log?.info({ webhook: "server" }, "serving certificate reloaded");
    },
    closeConnectionsAfterEachCall() {
      closeAfterEachCall = true;
    },
    close: (graceMs = 0) => closeWithGrace(server, graceMs),
  };
}
