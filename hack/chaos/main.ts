// `make chaos`: faults injected during rollouts under production-like policies (leader SIGKILL, API server down,
// watch connections cut, misbehaving quiesce endpoints, a pod exiting mid-drain), the fail-open mode with every
// replica gone, then the 20 s-timeout stress case; writes bench/results/chaos.json. Bounded in time.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DiscoveryV1Api } from "@kubernetes/client-node";
import { z } from "zod";
import { waitFor } from "../../test/harness/wait-for.ts";
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
import { runStress, type StressSection } from "./stress.ts";
import { totals } from "./totals.ts";
import {
  BROKEN,
  createBroken,
  createWeb,
  ENDPOINT_MODES,
  STRESS,
  WEB,
  WEB_POLL_SECONDS,
  WEB_SETTLE_SECONDS,
} from "./workloads.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FAULTS = [
  "leader-sigkill",
  "apiserver-down",
  "watch-cut",
  "endpoints",
  "pod-exit",
  "webhook-down",
  "stress",
] as const;

const env = z
  .object({
    /**
     * Scales every fault's number of rollouts (1 = 20 leader kills, 2 API server outages, 3 cut rounds, 3 pod exits,
     * 2 webhook-down rounds, 2 stress outages).
     */
    CHAOS_SCALE: z.coerce.number().positive().max(10).default(1),
    /** Comma-separated subset of the faults. */
    CHAOS_FAULTS: z.string().default(FAULTS.join(",")),
    /** No new production-like rollout starts after this many minutes (the fail-open and stress parts run after). */
    CHAOS_MAX_MINUTES: z.coerce.number().positive().default(30),
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
  // Pods created before a replica serves the webhooks get no serving gate (they fail open): wait for one and a leader.
  await waitFor(
    async () => {
      const ready = await Promise.all(
        (lab?.replicas.identities() ?? []).map((id) =>
          fetch(`http://127.0.0.1:${lab?.replicas.healthPort(id)}/readyz`, {
            signal: AbortSignal.timeout(1000),
          }).then(
            (r) => r.ok,
            () => false,
          ),
        ),
      );
      return ready.some(Boolean) && (await lab?.replicas.leader()) !== undefined;
    },
    { timeoutMs: 60_000, what: "an operator replica serving the webhooks, and a leader" },
  );
  await new Promise((r) => setTimeout(r, 1000)); // the balancer's probe (every 250 ms) has seen it
  say("deploying the sample app and the misbehaving-endpoint fixture...");
  const webDrain = await createWeb(lab.apis);
  if (selected.has("endpoints")) await createBroken(lab.apis, ENDPOINT_MODES[0]);
  const drains = watchDrains(lab.apis, lab.kc.makeApiClient(DiscoveryV1Api), {
    [WEB.namespace]: WEB.timeoutSeconds,
    [BROKEN.namespace]: BROKEN.timeoutSeconds,
    [STRESS.namespace]: STRESS.timeoutSeconds,
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
      `${r.kind}: ${r.rollouts} rollouts (${r.faultedRollouts} faulted), ${r.requests} requests, ${r.failed} failed, ${r.stuckPods} stuck, overrun ${r.maxOverrunSeconds.toFixed(1)} s, ${r.heldRemovals.count} held (max ${r.heldRemovals.maxSeconds.toFixed(1)} s)`,
    );
  };
  const downMs = env.CHAOS_APISERVER_DOWN_SECONDS * 1000;
  await run("apiserver-down", async () => (await apiserverDown(ctx, n(2), downMs)).result);
  await run("leader-sigkill", () => leaderKill(ctx, n(20)));
  await run("watch-cut", () => watchCut(ctx, n(3)));
  await run("pod-exit", () => podDies(ctx, n(3)));
  await run("endpoints", () => badEndpoints(ctx));
  // The parts after the production-like faults get their own time bound, so a long run still reports them.
  const after = () => ({ ...ctx, hardStopAt: Date.now() + 10 * 60_000 });
  // Not a fault the operator must absorb: every replica gone is the documented fail-open mode, reported apart.
  const failOpen: FaultResult[] = [];
  if (selected.has("webhook-down")) {
    say("== webhook-down (every replica gone; reported apart from the totals) ==");
    const r = await webhookDown(after(), n(2), env.CHAOS_OPERATOR_DOWN_SECONDS * 1000);
    failOpen.push(r);
    say(`${r.kind}: ${r.rollouts} rounds, ${r.requests} requests, ${r.failed} failed`);
  }
  let stress: StressSection | undefined;
  if (selected.has("stress")) {
    say(
      `== stress: API server down under a ${STRESS.timeoutSeconds} s timeout (reported apart from the totals) ==`,
    );
    stress = await runStress(
      after(),
      n(2),
      downMs,
      results.find((r) => r.kind === "apiserver-down"),
    ).catch((e: unknown) => {
      say(`stress failed: ${e instanceof Error ? e.message : String(e)}`); // the production-like figures still count
      return undefined;
    });
    if (stress)
      say(
        `${stress.kind}: ${stress.rollouts} rollouts, ${stress.requests} requests, ${stress.failed} failed, overrun ${stress.maxOverrunSeconds.toFixed(1)} s, ${stress.heldRemovals.count} held`,
      );
  }
  drains.stop();

  const headline = totals(results, WEB_POLL_SECONDS);
  const summary = {
    generatedAt: new Date().toISOString(),
    command: "make chaos",
    scale: env.CHAOS_SCALE,
    durationSeconds: Math.round((Date.now() - began) / 1000),
    ...headline,
    setup: {
      operatorReplicas: 2,
      lease: LEASE,
      propagationDelayMs: PROPAGATION_DELAY_MS,
      web: {
        ...WEB,
        pollSeconds: WEB_POLL_SECONDS,
        settleSeconds: WEB_SETTLE_SECONDS,
        policyDrain: webDrain,
      },
      endpoints: { ...BROKEN, modes: ENDPOINT_MODES },
      stress: STRESS,
    },
    operatorPeakRssMB: Math.round(lab.replicas.peakRssBytes() / 1024 / 1024),
    operatorRestarts: lab.replicas.restarts(),
    faults: Object.fromEntries(results.map((r) => [r.kind, r])),
    failOpen: Object.fromEntries(failOpen.map((r) => [r.kind, r])),
    ...(stress === undefined ? {} : { stress }),
  };
  await mkdir(dirname(env.CHAOS_OUT), { recursive: true });
  await writeFile(env.CHAOS_OUT, `${JSON.stringify(summary, null, 2)}\n`);
  say(
    `done in ${summary.durationSeconds} s: ${summary.runs} rollouts (${summary.faultedRollouts} faulted), ${summary.requests} requests, ${summary.failed} failed (+${summary.failedAppDown} to killed pods), ${summary.stuckPods} stuck, max overrun ${summary.maxOverrunSeconds.toFixed(1)} s (target <= ${summary.overrunTargetSeconds}), ${summary.heldRemovals.count} held (max ${summary.heldRemovals.maxSeconds.toFixed(1)} s), targets ${summary.targets.met ? "met" : "MISSED"}, operator peak RSS ${summary.operatorPeakRssMB} MB; ${env.CHAOS_OUT}`,
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
