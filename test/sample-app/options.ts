// The sample app's options: one zod schema for flags, env and in-process callers.
import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);

export const sampleAppOptionsSchema = z.object({
  /** Main port: /work, /stream, /jobs, probes (and /quiesce without an admin port). 0 picks a free port. */
  port,
  /** Optional admin port for /quiesce, /healthz and /readyz (then /quiesce is not on the main port). */
  adminPort: port.optional(),
  /** Address to bind (the pod IP under the local node agent). */
  host: z.string().min(1),
  /** Bearer token for /quiesce; without it the endpoint is open. */
  token: z.string().min(1).optional(),
  /** Reported in responses and logs. */
  podName: z.string().min(1),
  /** `Retry-After` on the 503 sent to new work while quiescing. */
  retryAfterSeconds: z.coerce.number().int().min(0).max(3600).default(5),
  /** Hard cap on a graceful shutdown before open work is abandoned. */
  shutdownTimeoutMs: z.coerce.number().int().min(0).max(3_600_000).default(25_000),
});
export type SampleAppOptions = z.input<typeof sampleAppOptionsSchema>;
export type ResolvedSampleAppOptions = z.output<typeof sampleAppOptionsSchema>;

/** `?ms=N` of /work, /stream and /jobs: how long the work is held. */
export const holdQuerySchema = z.object({
  ms: z.coerce.number().int().min(0).max(86_400_000).default(0),
  intervalMs: z.coerce.number().int().min(1).max(60_000).default(250),
});
