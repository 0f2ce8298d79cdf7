// node:http adapter: routes the quiesce endpoint and probes, gates everything else through the quiescer.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Quiescer } from "./quiescer.ts";

/** Paths the SDK answers itself; `false` leaves that path to the app. */
export type QuiesceRoutes = {
  /** The protocol endpoint (default "/quiesce"). */
  quiescePath?: string | false;
  /** Liveness probe, 200 while the process answers (default "/healthz"). */
  livenessPath?: string | false;
  /** Readiness probe, 503 once quiescing (default "/readyz"). */
  readinessPath?: string | false;
};

export type RouteResult = "answered" | "rejected" | "admitted";

/** Answers SDK routes, rejects new work while quiescing, or admits the request (tracked until it closes). */
export function route(
  q: Quiescer,
  routes: QuiesceRoutes,
  req: IncomingMessage,
  res: ServerResponse,
): RouteResult {
  const path = pathOf(req.url);
  if (path === (routes.quiescePath ?? "/quiesce")) {
    q.endpoint(req, res);
    return "answered";
  }
  if (path === (routes.livenessPath ?? "/healthz")) {
    q.liveness(req, res);
    return "answered";
  }
  if (path === (routes.readinessPath ?? "/readyz")) {
    q.readiness(req, res);
    return "answered";
  }
  return q.admit(req, res) ? "admitted" : "rejected";
}

/** Wraps a node:http request listener: `http.createServer(withQuiesce(q, app))`. */
export function withQuiesce(
  q: Quiescer,
  handler: RequestListener,
  routes: QuiesceRoutes = {},
): RequestListener {
  return (req, res) => {
    if (route(q, routes, req, res) === "admitted") handler(req, res);
  };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? "/";
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}
