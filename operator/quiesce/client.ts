// The operator's client for the quiesce protocol: quiesce (POST), status (GET), unquiesce (DELETE); never throws.
import { isIP } from "node:net";
import { z } from "zod";
import {
  CALL_METHOD,
  JSON_CONTENT_TYPE,
  MAX_REASON_LENGTH,
  MAX_STATUS_BODY_BYTES,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_HEADER,
  RELEASE_CONNECTIONS_HEADER,
} from "../protocol/quiesce-protocol.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { exchange } from "./exchange.ts";
import { interpretResponse, type QuiesceCallResult } from "./response.ts";

export type { QuiesceCallResult, QuiesceFailureKind } from "./response.ts";

export const quiesceEndpointSchema = z.object({
  podIP: z.string().refine((ip) => isIP(ip) !== 0, "podIP must be an IPv4 or IPv6 literal"),
  port: z.number().int().min(1).max(65535),
  path: z.string().regex(/^\/[\x21-\x22\x24-\x7e]*$/, "path must start with / and hold visible ASCII, no #"),
  scheme: z.enum(["HTTP", "HTTPS"]),
  /** Bearer token; surrounding whitespace (a trailing newline in a Secret) is ignored. */
  token: z
    .string()
    .transform((t) => t.trim())
    .pipe(z.string().regex(/^[\x21-\x7e]+$/, "token must be visible ASCII"))
    .optional(),
  requestTimeoutMs: z.number().int().positive().max(600_000),
  maxBodyBytes: z.number().int().positive().default(MAX_STATUS_BODY_BYTES),
});
export type QuiesceEndpoint = z.input<typeof quiesceEndpointSchema>;

export type QuiesceClient = {
  /** POST: begin quiescing (idempotent); `reason` is passed to the app (rollout, eviction, ...). */
  quiesce(reason?: string): Promise<QuiesceCallResult>;
  /**
   * GET: the app's state and in-flight work. `releaseSeconds`: the pod settles; ask the app to release its pooled
   * connections for that long while it still serves (docs/protocol.md §7).
   */
  status(options?: { releaseSeconds?: number }): Promise<QuiesceCallResult>;
  /** DELETE: resume serving (idempotent). */
  unquiesce(): Promise<QuiesceCallResult>;
};

export function createQuiesceClient(
  endpoint: QuiesceEndpoint,
  deps: { clock?: Pick<Clock, "setTimer"> } = {},
): QuiesceClient {
  const clock = deps.clock ?? systemClock;
  const parsed = quiesceEndpointSchema.safeParse(endpoint);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const failure: QuiesceCallResult = {
      ok: false,
      kind: "invalid-endpoint",
      message: `invalid quiesce endpoint: ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "?"}`,
    };
    return { quiesce: async () => failure, status: async () => failure, unquiesce: async () => failure };
  }
  const config = parsed.data;
  const host = config.podIP.includes(":") ? `[${config.podIP}]` : config.podIP;
  const target = `${config.scheme.toLowerCase()}://${host}:${config.port}${config.path}`;
  const redact = (text: string): string =>
    config.token ? text.split(config.token).join("[redacted]") : text;

  const call = async (
    method: "GET" | "POST" | "DELETE",
    body?: string,
    extra: Record<string, string> = {},
  ): Promise<QuiesceCallResult> => {
    const headers: Record<string, string> = {
      Accept: JSON_CONTENT_TYPE,
      [PROTOCOL_VERSION_HEADER]: PROTOCOL_VERSION,
      Connection: "close",
      "User-Agent": "quiesce-operator",
      ...extra,
    };
    if (config.token) headers.Authorization = `Bearer ${config.token}`;
    if (body !== undefined) headers["Content-Type"] = JSON_CONTENT_TYPE;
    headers["Content-Length"] = String(Buffer.byteLength(body ?? ""));
    const result = await exchange(
      {
        https: config.scheme === "HTTPS",
        ip: config.podIP,
        port: config.port,
        path: config.path,
        method,
        headers,
        body,
        timeoutMs: config.requestTimeoutMs,
        maxBodyBytes: config.maxBodyBytes,
      },
      clock,
    );
    const outcome = interpretResponse(result);
    if (outcome.ok) return outcome;
    return { ...outcome, message: redact(`${method} ${target}: ${outcome.message}`) };
  };

  return {
    quiesce: (reason) =>
      call(
        CALL_METHOD.quiesce,
        reason === undefined ? undefined : JSON.stringify({ reason: reason.slice(0, MAX_REASON_LENGTH) }),
      ),
    status: (options) => {
      const seconds = options?.releaseSeconds;
      if (seconds === undefined || !(seconds > 0)) return call(CALL_METHOD.status);
      return call(CALL_METHOD.status, undefined, {
        [RELEASE_CONNECTIONS_HEADER]: String(Math.ceil(seconds)),
      });
    },
    unquiesce: () => call(CALL_METHOD.unquiesce),
  };
}
