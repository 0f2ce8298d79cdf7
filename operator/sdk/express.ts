// Express adapter: one middleware, mounted before routes and body parsers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type QuiesceRoutes, route } from "./http.ts";
import type { Quiescer } from "./quiescer.ts";

export type ExpressMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** `app.use(quiesceExpress(q))`: answers the SDK routes, rejects new work while quiescing, tracks the rest. */
export function quiesceExpress(q: Quiescer, routes: QuiesceRoutes = {}): ExpressMiddleware {
  return (req, res, next) => {
    if (route(q, routes, req, res) === "admitted") next();
  };
}
