// Scenario sizes: the demo's (fits in a few minutes, readable), the benchmark's (50,000+ requests per run) and more.
import { z } from "zod";
import { uniformWorkMix } from "../../test/harness/report/scale-in.ts";

const mixEntry = z.object({
  path: z.string().startsWith("/"),
  weight: z.number().positive(),
  class: z.enum(["short", "long"]),
});

export const profileSchema = z.object({
  replicas: z.int().min(1),
  /** Pods replaced per wave (maxSurge; maxUnavailable is 0). */
  maxSurge: z.int().min(1),
  /** How late the traffic client learns of an EndpointSlice change (kube-proxy ~1 s, cloud LBs more). */
  propagationDelayMs: z.int().min(0),
  /** Short requests arrive at a fixed rate (open loop), so fast failures do not multiply themselves. */
  short: z.object({
    path: z.string(),
    ratePerSecond: z.number().positive(),
    loops: z.int().min(1),
    /** Instead of `path`: a weighted mix of short requests. */
    mix: z.array(mixEntry).min(1).optional(),
    /** Each short request waits a uniform 0..jitterMs before it is sent (irregular arrivals). */
    jitterMs: z.int().min(0).optional(),
  }),
  /** Closed-loop long work; none when absent. */
  long: z.object({ mix: z.array(mixEntry).min(1), concurrency: z.int().min(1) }).optional(),
  /** Load before the rollout starts, so long work is in flight on every pod. */
  warmupMs: z.int().min(0),
  rolloutTimeoutMs: z.int().min(1000),
  /** Instead of a rollout restart: scale the Deployment from `replicas` to this many (the scale-in scenario). */
  scaleInTo: z.int().min(0).optional(),
});
export type Profile = z.infer<typeof profileSchema>;

/** 5-30 s requests and 20-45 s streaming sessions: the work a rollout must not cut. */
export const LONG_MIX = [
  { path: "/work?ms=5000", weight: 3, class: "long" as const },
  { path: "/work?ms=10000", weight: 3, class: "long" as const },
  { path: "/work?ms=20000", weight: 2, class: "long" as const },
  { path: "/work?ms=30000", weight: 2, class: "long" as const },
  { path: "/stream?ms=20000", weight: 1, class: "long" as const },
  { path: "/stream?ms=45000", weight: 1, class: "long" as const },
];

export const DEMO_PROFILE: Profile = {
  replicas: 6,
  maxSurge: 3,
  propagationDelayMs: 2000,
  short: { path: "/work?ms=20", ratePerSecond: 150, loops: 1 },
  long: { mix: LONG_MIX, concurrency: 60 },
  warmupMs: 6000,
  rolloutTimeoutMs: 300_000,
};

export const BENCH_PROFILE: Profile = {
  replicas: 6,
  maxSurge: 3,
  propagationDelayMs: 2000,
  short: { path: "/work?ms=2", ratePerSecond: 350, loops: 2 },
  long: { mix: LONG_MIX, concurrency: 240 },
  warmupMs: 6000,
  rolloutTimeoutMs: 300_000,
};

/** BENCH_PROFILE behind a load balancer that applies EndpointSlice changes 30 s late. */
export const SLOW_LB_PROFILE: Profile = {
  ...BENCH_PROFILE,
  propagationDelayMs: 30_000,
  rolloutTimeoutMs: 600_000,
};

/** About one short request per pod every 2-4 s (round-robin, jittered) and one long request per pod. */
export const LOW_RATE_PROFILE: Profile = {
  replicas: 6,
  maxSurge: 3,
  propagationDelayMs: 2000,
  short: { path: "/work?ms=2", ratePerSecond: 6 / 3, loops: 1, jitterMs: 1000 },
  long: {
    mix: [5000, 10000, 20000].map((ms) => ({ path: `/work?ms=${ms}`, weight: 1, class: "long" as const })),
    concurrency: 6,
  },
  warmupMs: 6000,
  rolloutTimeoutMs: 300_000,
};

/** Only work that ends within 2 s: a drain is over well before a 15 s preStop sleep would be. */
export const SHORT_DRAIN_PROFILE: Profile = {
  replicas: 6,
  maxSurge: 3,
  propagationDelayMs: 1000,
  short: {
    path: "/work?ms=50",
    ratePerSecond: 60,
    loops: 1,
    mix: [50, 200, 500, 1000, 2000].map((ms) => ({
      path: `/work?ms=${ms}`,
      weight: 1,
      class: "short" as const,
    })),
  },
  warmupMs: 6000,
  rolloutTimeoutMs: 300_000,
};

/**
 * 8 -> 4 under load: 5 long requests of uniform random length (5-40 s) at a time, placed wherever the round robin
 * stands when one is sent (the short stream moves it on), so about 4 of the 8 pods have long work and the rest are
 * idle, plus a short stream; 2 s lag. All 4 removals drain at once (maxSurge sets the budget's maxConcurrent).
 */
export const SCALE_IN_PROFILE: Profile = {
  replicas: 8,
  scaleInTo: 4,
  maxSurge: 4,
  propagationDelayMs: 2000,
  short: { path: "/work?ms=2", ratePerSecond: 40, loops: 1 },
  long: { mix: uniformWorkMix(5000, 40_000, 1000), concurrency: 5 },
  warmupMs: 25_000,
  rolloutTimeoutMs: 180_000,
};
