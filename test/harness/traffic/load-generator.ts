// Drives a traffic client with a weighted request mix at a target concurrency or rate, bounded in count or time.
import { z } from "zod";
import type { RequestClass, RequestOutcome } from "./outcome.ts";

export const MixEntry = z.object({
  path: z.string().startsWith("/"),
  weight: z.number().positive(),
  class: z.enum(["short", "long"]).default("short"),
});
export type MixEntry = z.input<typeof MixEntry>;

export const LoadOptions = z
  .object({
    mix: z.array(MixEntry).min(1),
    /** Closed loop: this many requests in flight at all times. */
    concurrency: z.number().int().positive().optional(),
    /** Open loop: start this many requests per second regardless of how long they take. */
    ratePerSecond: z.number().positive().optional(),
    maxRequests: z.number().int().positive().optional(),
    durationMs: z.number().positive().optional(),
  })
  .refine((o) => (o.concurrency === undefined) !== (o.ratePerSecond === undefined), {
    message: "set exactly one of concurrency or ratePerSecond",
  })
  .refine((o) => o.maxRequests !== undefined || o.durationMs !== undefined, {
    message: "bound the load with maxRequests and/or durationMs",
  });
export type LoadOptions = z.input<typeof LoadOptions>;

export type Sender = (path: string, requestClass: RequestClass) => Promise<RequestOutcome>;

export interface LoadRun {
  /** Resolves with every outcome once the bound is reached and all requests have finished. */
  readonly done: Promise<RequestOutcome[]>;
  /** Stops starting new requests; in-flight ones still finish. */
  stop(): Promise<RequestOutcome[]>;
}

/** Weighted choice; `r` is uniform in [0, 1). */
export function pickFromMix(
  mix: readonly { path: string; weight: number; class: RequestClass }[],
  r: number,
) {
  const total = mix.reduce((sum, m) => sum + m.weight, 0);
  let point = r * total;
  for (const entry of mix) {
    point -= entry.weight;
    if (point < 0) return entry;
  }
  return mix[mix.length - 1]!;
}

export function startLoad(send: Sender, raw: LoadOptions, random: () => number = Math.random): LoadRun {
  const o = LoadOptions.parse(raw);
  const startedAt = Date.now();
  const deadline = o.durationMs !== undefined ? startedAt + o.durationMs : Number.POSITIVE_INFINITY;
  const maxRequests = o.maxRequests ?? Number.POSITIVE_INFINITY;
  const outcomes: RequestOutcome[] = [];
  const inFlight = new Set<Promise<void>>();
  let started = 0;
  let stopped = false;
  let wake: (() => void) | undefined;

  const mayStart = () => !stopped && started < maxRequests && Date.now() < deadline;
  const fire = (): Promise<void> => {
    started++;
    const entry = pickFromMix(o.mix, random());
    const p = send(entry.path, entry.class).then((outcome) => {
      outcomes.push(outcome);
    });
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return tracked;
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const closedLoop = async (workers: number) => {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (mayStart()) await fire();
      }),
    );
  };
  const openLoop = async (rate: number) => {
    const intervalMs = 1000 / rate;
    while (mayStart()) {
      void fire();
      await sleep(startedAt + started * intervalMs - Date.now());
    }
  };

  const done = (async () => {
    await (o.concurrency !== undefined ? closedLoop(o.concurrency) : openLoop(o.ratePerSecond!));
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    return outcomes.sort((a, b) => a.seq - b.seq);
  })();

  return {
    done,
    stop() {
      stopped = true;
      wake?.();
      return done;
    },
  };
}
