// quiesce-operator/sdk: implement the quiesce protocol in a Node app (node:http, Express, Fastify).
export type { QuiesceState, QuiesceStatus } from "../protocol/wire.ts";
export { PROTOCOL_VERSION, PROTOCOL_VERSION_HEADER } from "../protocol/wire.ts";
export type { RequestHandler } from "./endpoint.ts";
export { type ExpressMiddleware, quiesceExpress } from "./express.ts";
export { type FastifyLike, type FastifyPlugin, quiesceFastify } from "./fastify.ts";
export { type QuiesceRoutes, withQuiesce } from "./http.ts";
export {
  createQuiescer,
  DEFAULT_REQUEST_CLASS,
  DEFAULT_TRACK_CLASS,
  Quiescer,
  type QuiescerOptions,
  type StateChange,
  type StateChangeListener,
} from "./quiescer.ts";
export type { Release } from "./tracker.ts";
