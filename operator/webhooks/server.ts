// The admission webhook HTTPS server: /mutate-pods, /validate-pod-deletion, /healthz; bounded, validated, never crashes.
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { AddressInfo, Socket } from "node:net";
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
/** A review slower than this is logged with where its time went (reading the body, deciding, answering). */
const SLOW_REVIEW_MS = 100;
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

/** HTTP/2 streams a connection may carry at once (the API server opens another connection beyond). */
const MAX_CONCURRENT_STREAMS = 1000;
/** Bytes a client may send on one stream, and on the whole connection, before the server has read them. */
const STREAM_WINDOW_BYTES = 1024 * 1024;
const CONNECTION_WINDOW_BYTES = 64 * 1024 * 1024;

type Request = IncomingMessage | Http2ServerRequest;
type Response = ServerResponse | Http2ServerResponse;

export interface WebhookServer {
  server: Http2SecureServer;
  /** Listens on host:port (port 0 picks one) and resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Serves `pair` to new TLS connections from now on; established connections keep theirs. */
  setCertificate(pair: CertificatePair): void;
  /**
   * Shutting down: every answer from now on ends its connection (HTTP/1: `Connection: close`; HTTP/2: GOAWAY once
   * the connection's calls are answered), so callers reconnect elsewhere.
   */
  closeConnectionsAfterEachCall(): void;
  /** Stops accepting, lets calls in flight finish (at most `graceMs`), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

const ROUTES: Record<string, WebhookName> = {
  [MUTATE_PODS_PATH]: "mutate-pods",
  [VALIDATE_POD_DELETION_PATH]: "validate-pod-deletion",
};

function sendError(res: Response, status: number, message: string): boolean {
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

/** When the body was read and when the handler answered (performance.now()), for the slow-review line. */
interface ReviewTimes {
  read?: number;
  decided?: number;
}

async function review(
  ctx: ReviewContext,
  webhook: WebhookName,
  req: Request,
  res: Response,
  times: ReviewTimes,
): Promise<WebhookResult> {
  if (req.method !== "POST") {
    res.setHeader("allow", "POST");
    sendError(res, 405, `${req.method ?? "?"} not allowed: admission reviews are POSTed`);
    return "bad-request";
  }
  const read = await readJsonBody(req, ctx.limit);
  times.read = performance.now();
  if (read.kind === "too-large") {
    endConnectionAfter(req, res); // the rest of the body is not read
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
  times.decided = performance.now();
  writeJson(res, 200, buildAdmissionResponse(request.uid, verdict));
  if (!verdict.allowed) return "denied";
  return verdict.patch && verdict.patch.length > 0 ? "patched" : "allowed";
}

/** A review that could not be answered: 500 (the API server applies failurePolicy), or cut if already begun. */
function failed(log: Logger | undefined, webhook: WebhookName, res: Response, detail: string): void {
  log?.error({ webhook, err: detail }, "admission review failed");
  if (!sendError(res, 500, `webhook ${webhook} failed: ${detail}`)) res.destroy();
}

const isHttp2 = (req: Request): req is Http2ServerRequest => req.httpVersionMajor === 2;

/**
 * The caller is to reconnect after this answer. HTTP/1: `Connection: close`. HTTP/2 forbids that header: the stream
 * is reset once answered (the body's rest is not wanted) and, for `session`, the connection gets a GOAWAY (its
 * other calls still finish, new ones go to a new connection).
 */
function endConnectionAfter(req: Request, res: Response, session = false): void {
  if (!isHttp2(req)) {
    (res as ServerResponse).setHeader("connection", "close");
    return;
  }
  const { stream } = req;
  const connection = stream.session; // a closed stream no longer knows its session
  if (session && connection) {
    // Once the stream is done on both sides: a GOAWAY sent earlier does not reach Node's client (seen on Node 24).
    stream.once("close", () => {
      connection.goaway(constants.NGHTTP2_NO_ERROR);
      connection.close();
    });
  } else {
    res.once("finish", () => {
      if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
    });
  }
}

function createRequestHandler(
  options: WebhookServerOptions,
  closeAfterEachCall: () => boolean,
): (req: Request, res: Response) => Promise<void> {
  const ctx: ReviewContext = {
    handlers: options.handlers,
    limit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    log: options.logger,
  };
  return async (req, res) => {
    if (closeAfterEachCall()) endConnectionAfter(req, res, true);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === HEALTHZ_PATH) {
      res.statusCode = 200;
      res.setHeader("content-type", "text/plain");
      res.end("ok");
      return;
    }
    const webhook = ROUTES[path];
    if (webhook === undefined) {
      sendError(res, 404, `no webhook at ${path}`);
      return;
    }
    const started = performance.now();
    const times: ReviewTimes = {};
    let result: WebhookResult;
    try {
      result = await review(ctx, webhook, req, res, times);
    } catch (error) {
      result = "error";
      failed(ctx.log, webhook, res, errorText(error));
    }
    const ended = performance.now();
    if (ended - started > SLOW_REVIEW_MS) {
      const ms = (at: number | undefined) => (at === undefined ? undefined : Math.round(at - started));
      ctx.log?.info(
        { webhook, result, bodyReadMs: ms(times.read), decidedMs: ms(times.decided), totalMs: ms(ended) },
        "slow admission review",
      );
    }
    try {
      options.observeLatency?.({ webhook, result }, (ended - started) / 1000);
    } catch (error) {
      ctx.log?.error({ webhook, err: errorText(error) }, "latency observer failed");
    }
  };
}

/** The open connections: HTTP/2 sessions, and HTTP/1 sockets with how many of their calls are being answered. */
interface Connections {
  sessions: Set<ServerHttp2Session>;
  http1: Map<Socket, number>;
}

function createHttpsServer(
  tls: CertificatePair,
  log: Logger | undefined,
  handle: (req: Request, res: Response) => Promise<void>,
  connections: Connections,
): Http2SecureServer {
  // HTTP/2 first: kube-apiserver's webhook client negotiates it, and then a burst of hundreds of reviews shares one
  // TLS connection. Over HTTP/1 each concurrent review needs a connection of its own, and each new one costs the
  // server a TLS handshake (~1 ms of this thread's CPU): 200 at once delayed every answer by ~300 ms.
  const server = createSecureServer(
    {
      cert: tls.cert,
      key: tls.key,
      minVersion: "TLSv1.2",
      allowHTTP1: true,
      // Flow-control windows sized for a burst: with HTTP/2's default 64 KiB for the whole connection, 200 reviews
      // of ~8 KiB each trickled in one window update at a time (body reads took 237 ms at the median).
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, initialWindowSize: STREAM_WINDOW_BYTES },
    },
    (req: Request, res: Response) => {
      if (!isHttp2(req)) trackHttp1Call(connections, req.socket, res);
      void handle(req, res);
    },
  );
  // HTTP/1: the API server keeps idle connections for 90 s (Go's transport default) and does not retry a POST on a
  // connection the server closed meanwhile: with Node's 5 s default the race fails the call, and failurePolicy
  // Ignore then lets a pod DELETE through without its drain. Outlive the client's idle timeout instead. HTTP/2
  // sessions are closed only by the client (or by a GOAWAY on shutdown), which Go's client handles without a loss.
  Object.assign(server, {
    keepAliveTimeout: WEBHOOK_KEEP_ALIVE_MS,
    requestTimeout: 30_000,
    headersTimeout: 10_000,
  });
  server.on("session", (session: ServerHttp2Session) => {
    connections.sessions.add(session);
    session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
    session.on("close", () => connections.sessions.delete(session));
    session.on("error", (error) => log?.debug({ err: error.message }, "HTTP/2 session failed"));
  });
  server.on("secureConnection", (socket: Socket & { alpnProtocol?: string | false }) => {
    if (socket.alpnProtocol === "h2") return;
    connections.http1.set(socket, 0);
    socket.on("close", () => connections.http1.delete(socket));
  });
  server.on("tlsClientError", (error) => log?.debug({ err: error.message }, "TLS handshake failed"));
  server.on("clientError", (error: Error, socket: Socket) => {
    log?.debug({ err: error.message }, "bad HTTP request");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });
  return server;
}

function trackHttp1Call(connections: Connections, socket: Socket, res: Response): void {
  connections.http1.set(socket, (connections.http1.get(socket) ?? 0) + 1);
  res.once("close", () => {
    const calls = (connections.http1.get(socket) ?? 1) - 1;
    if (connections.http1.has(socket)) connections.http1.set(socket, calls);
  });
}

function listenOn(server: Http2SecureServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeWithGrace(server: Http2SecureServer, connections: Connections, graceMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Idle connections go now; the others once their calls are answered, or at the grace's end.
    for (const session of connections.sessions) {
      session.goaway(constants.NGHTTP2_NO_ERROR);
      session.close();
    }
    for (const [socket, calls] of connections.http1) if (calls === 0) socket.destroy();
    const force = setTimeout(() => {
      for (const session of connections.sessions) session.destroy();
      for (const socket of connections.http1.keys()) socket.destroy();
    }, graceMs);
    force.unref();
    server.once("close", () => clearTimeout(force));
  });
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const log = options.logger;
  let closeAfterEachCall = false;
  const connections: Connections = { sessions: new Set(), http1: new Map() };
  const server = createHttpsServer(
    options.tls,
    log,
    createRequestHandler(options, () => closeAfterEachCall),
    connections,
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
    close: (graceMs = 0) => closeWithGrace(server, connections, graceMs),
  };
}
