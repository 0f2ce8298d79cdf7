// `make chaos`: faults injected during rollouts under load (leader SIGKILL, API server down, watch connections cut,
// misbehaving quiesce endpoints, a pod exiting mid-drain) and the fail-open mode with every replica gone; writes
// bench/results/chaos.json. Bounded in time.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { watchDrains } from "./drain-watch.ts";
import {
  apiserverDown,
  badEndpoints,
  type FaultContext,
  type FaultResult,
  leaderKill,
  podDies,
  watchCut,
  webhookDown,
} from "./faults.ts";
import { type ChaosLab, startChaosLab } from "./lab.ts";
import { BROKEN, createBroken, createWeb, ENDPOINT_MODES, WEB } from "./workloads.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FAULTS = [
  "leader-sigkill",
  "apiserver-down",
  "watch-cut",
  "endpoints",
  "pod-exit",
  "webhook-down",
] as const;

const env = z
  .object({
    /** Scales every fault's number of rollouts (1 = 20 leader kills, 2 API server outages, 3 cut rounds, 3 pod exits). */
    CHAOS_SCALE: z.coerce.number().positive().max(10).default(1),
    /** Comma-separated subset of the faults. */
    CHAOS_FAULTS: z.string().default(FAULTS.join(",")),
    /** No new rollout starts after this many minutes. */
    CHAOS_MAX_MINUTES: z.coerce.number().positive().default(16),
    CHAOS_DIR: z.string().default(join(REPO, ".chaos")),
    CHAOS_OUT: z.string().default(join(REPO, "bench", "results", "chaos.json")),
    CHAOS_APISERVER_DOWN_SECONDS: z.coerce.number().int().min(1).max(120).default(20),
    /** How long every operator replica stays gone in the webhook-down fault. */
    CHAOS_OPERATOR_DOWN_SECONDS: z.coerce.number().int().min(1).max(120).default(15),
  })
  .parse(process.env);
const selected = new Set(env.CHAOS_FAULTS.split(",").map((s) => s.trim()));
for (const f of selected)
  if (!(FAULTS as readonly string[]).includes(f))
    throw new Error(`CHAOS_FAULTS: unknown fault ${f} (known: ${FAULTS.join(", ")})`);

const LEASE = { durationSeconds: 4, renewSeconds: 3, retrySeconds: 1 };
const PROPAGATION_DELAY_MS = 1000;
const say = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);
const n = (base: number) => Math.max(1, Math.round(base * env.CHAOS_SCALE));

let lab: ChaosLab | undefined;
process.on("SIGINT", () => {
  say("interrupted; stopping");
  void (lab?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

async function main(): Promise<void> {
  const began = Date.now();
  lab = await startChaosLab({
    dir: env.CHAOS_DIR,
    leaseArgs: [
      `--lease-duration-seconds=${LEASE.durationSeconds}`,
      `--renew-deadline-seconds=${LEASE.renewSeconds}`,
      `--retry-period-seconds=${LEASE.retrySeconds}`,
    ],
    say,
  });
  say("deploying the sample app and the misbehaving-endpoint fixture...");
  await createWeb(lab.apis);
  if (selected.has("endpoints")) await createBroken(lab.apis, ENDPOINT_MODES[0]);
  const drains = watchDrains(lab.apis, {
    [WEB.namespace]: WEB.timeoutSeconds,
    [BROKEN.namespace]: BROKEN.timeoutSeconds,
  });
  const ctx: FaultContext = {
    lab,
    drains,
    propagationDelayMs: PROPAGATION_DELAY_MS,
    hardStopAt: began + env.CHAOS_MAX_MINUTES * 60_000,
    say,
  };
  const results: FaultResult[] = [];
  const run = async (name: string, fn: () => Promise<FaultResult>) => {
    if (!selected.has(name)) return;
    say(`== ${name} ==`);
    const r = await fn();
    results.push(r);
    say(
      `${r.kind}: ${r.rollouts} rollouts, ${r.requests} requests, ${r.failed} failed, ${r.stuckPods} stuck, overrun ${r.maxOverrunSeconds.toFixed(1)} s`,
    );
  };
  await run("apiserver-down", () => apiserverDown(ctx, n(2), env.CHAOS_APISERVER_DOWN_SECONDS * 1000));
  await run("leader-sigkill", () => leaderKill(ctx, n(20)));
  await run("watch-cut", () => watchCut(ctx, n(3)));
  await run("pod-exit", () => podDies(ctx, n(3)));
  await run("endpoints", () => badEndpoints(ctx));
  // Not a fault the operator must absorb: every replica gone is the documented fail-open mode, reported apart.
  const failOpen: FaultResult[] = [];
  if (selected.has("webhook-down")) {
    say("== webhook-down (every replica gone; reported apart from the totals) ==");
    const r = await webhookDown(ctx, n(2), env.CHAOS_OPERATOR_DOWN_SECONDS * 1000);
    failOpen.push(r);
    say(`${r.kind}: ${r.rollouts} rounds, ${r.requests} requests, ${r.failed} failed`);
  }
  drains.stop();

  const pollSeconds = Math.max(WEB.pollSeconds, BROKEN.pollSeconds);
  const sum = (f: (r: FaultResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const summary = {
    generatedAt: new Date().toISOString(),
    command: "make chaos",
    scale: env.CHAOS_SCALE,
    durationSeconds: Math.round((Date.now() - began) / 1000),
    setup: {
      operatorReplicas: 2,
      lease: LEASE,
      propagationDelayMs: PROPAGATION_DELAY_MS,
      web: WEB,
      endpoints: { ...BROKEN, modes: ENDPOINT_MODES },
    },
    runs: sum((r) => r.rollouts),
    completedRuns: sum((r) => r.completedRollouts),
    requests: sum((r) => r.requests),
    failed: sum((r) => r.failed),
    failedAppDown: sum((r) => r.failedAppDown),
    stuckPods: sum((r) => r.stuckPods),
    drains: sum((r) => r.drains),
    maxOverrunSeconds: Math.max(0, ...results.map((r) => r.maxOverrunSeconds)),
    /** The same, with a deadline that fell during an API server outage counted from the end of the outage. */
    maxOverrunBeyondApiOutageSeconds: Math.max(
      0,
      ...results.map((r) => {
        const beyond = r.details.maxOverrunBeyondOutageSeconds;
        return typeof beyond === "number" ? beyond : r.maxOverrunSeconds;
      }),
    ),
    /** The worst overrun of drains whose removal the operator did not hold because a Service still routed to it. */
    maxOverrunNotHeldSeconds: Math.max(
      0,
      ...results.map((r) => {
        const notHeld = r.details.maxOverrunNotHeldSeconds;
        return typeof notHeld === "number" ? notHeld : r.maxOverrunSeconds;
      }),
    ),
    overrunTargetSeconds: 2 * pollSeconds + 2,
    operatorPeakRssMB: Math.round(lab.replicas.peakRssBytes() / 1024 / 1024),
    operatorRestarts: lab.replicas.restarts(),
    faults: Object.fromEntries(results.map((r) => [r.kind, r])),
    failOpen: Object.fromEntries(failOpen.map((r) => [r.kind, r])),
  };
  await mkdir(dirname(env.CHAOS_OUT), { recursive: true });
  await writeFile(env.CHAOS_OUT, `${JSON.stringify(summary, null, 2)}\n`);
  say(
    `done in ${summary.durationSeconds} s: ${summary.runs} rollouts, ${summary.requests} requests, ${summary.failed} failed (+${summary.failedAppDown} to killed pods), ${summary.stuckPods} stuck, max overrun ${summary.maxOverrunSeconds.toFixed(1)} s (target <= ${summary.overrunTargetSeconds}), operator peak RSS ${summary.operatorPeakRssMB} MB; ${env.CHAOS_OUT}`,
  );
}

try {
  await main();
  await lab?.stop();
  process.exit(0);
} catch (error) {
  console.error(`chaos failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  console.error(`(logs in ${join(env.CHAOS_DIR, "logs")})`);
  await lab?.stop();
  process.exit(1);
}
