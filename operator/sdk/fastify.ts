// Fastify adapter: an onRequest hook on the root instance (runs before body parsing, for every route).
import type { IncomingMessage, ServerResponse } from "node:http";
import { type QuiesceRoutes, route } from "./http.ts";
import type { Quiescer } from "./quiescer.ts";

/** The parts of Fastify the adapter uses (structural, so the SDK does not depend on fastify). */
export type FastifyLikeRequest = { raw: IncomingMessage };
export type FastifyLikeReply = { raw: ServerResponse; hijack(): unknown };
export type FastifyLike = {
  addHook(
    name: "onRequest",
    hook: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<void>,
  ): unknown;
};

export type FastifyPlugin = ((instance: FastifyLike, opts: unknown, done: (err?: Error) => void) => void) & {
  [key: symbol]: unknown;
};

/** `await app.register(quiesceFastify(q))`. */
export function quiesceFastify(q: Quiescer, routes: QuiesceRoutes = {}): FastifyPlugin {
  const register = (instance: FastifyLike, _opts: unknown, done: (err?: Error) => void): void => {
    instance.addHook("onRequest", async (request, reply) => {
      // The SDK wrote (or will write) the response itself; Fastify must not touch it.
      if (route(q, routes, request.raw, reply.raw) !== "admitted") reply.hijack();
    });
    done();
  };
  // What fastify-plugin does: register the hook on the parent instance instead of an encapsulated child.
  const plugin: FastifyPlugin = Object.assign(register, {
    [Symbol.for("skip-override")]: true,
    [Symbol.for("fastify.display-name")]: "quiesce",
  });
  return plugin;
}
