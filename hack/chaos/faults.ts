// The faults, each injected during rollouts under load, and the per-fault figures (requests, failures, drains,
// stuck pods, worst overrun past the policy timeout, removals held for the endpoints).
import { readdir, readFile } from "node:fs/promises";
import type { V1Pod } from "@kubernetes/client-node";
import { conditionTrue, hasServingGate } from "../../operator/api/pod-view.ts";
import type { RequestOutcome } from "../../test/harness/traffic/index.ts";
import { waitFor } from "../../test/harness/wait-for.ts";
import { scaleDeployment } from "../../test/scenarios/drain-steps.ts";
import { rolloutRestart } from "../../test/scenarios/workloads.ts";
import type { DrainRecord, DrainWatch } from "./drain-watch.ts";
import type { ChaosLab } from "./lab.ts";
import {
  isStuck,
  type Outage,
  type OverrunSummary,
  overrunSeconds,
  settleBy,
  summarizeOverruns,
} from "./overrun.ts";
import { type RolloutResult, rolloutUnderLoad } from "./rollout.ts";
import { BROKEN, ENDPOINT_MODES, rollBrokenTo, WEB, type WebWorkload } from "./workloads.ts";

export interface FaultResult extends OverrunSummary {
  kind: string;
  rollouts: number;
  /** Rollouts during which the fault was actually injected. */
  faultedRollouts: number;
  completedRollouts: number;
  requests: number;
  /** Failed requests to pods that stayed up (the target is 0). */
  failed: number;
  /** Failed requests to a pod whose process the fault killed (not counted in `failed`). */
  failedAppDown: number;
  failuresByReason: Record<string, number>;
  /** Per pod IP the failed requests went to: count, reasons, first and last (ms after the fault began). */
  failuresByEndpoint: Record<
    string,
    { count: number; reasons: Record<string, number>; firstMs: number; lastMs: number }
  >;
  stuckPods: number;
  errors: string[];
  details: Record<string, unknown>;
}

export interface FaultContext {
  lab: ChaosLab;
  drains: DrainWatch;
  propagationDelayMs: number;
  /** Epoch ms after which no new rollout starts (the run's time bound). */
  hardStopAt: number;
  say: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const STUCK_SLACK_MS = 30_000;

interface Killed {
  ip: string;
  at: number;
}

function tally(result: FaultResult, run: RolloutResult, killed: readonly Killed[], from: number): void {
  result.rollouts++;
  if (run.completed) result.completedRollouts++;
  if (run.error) result.errors.push(run.error);
  for (const o of run.outcomes) {
    result.requests++;
    if (o.ok) continue;
    if (appWasDown(o, killed)) {
      result.failedAppDown++;
      continue;
    }
    result.failed++;
    const reason = o.failure ?? "unknown";
    result.failuresByReason[reason] = (result.failuresByReason[reason] ?? 0) + 1;
    const ep = o.endpoint ?? "none";
    const entry = result.failuresByEndpoint[ep] ?? {
      count: 0,
      reasons: {},
      firstMs: o.start - from,
      lastMs: 0,
    };
    entry.count++;
    entry.reasons[reason] = (entry.reasons[reason] ?? 0) + 1;
    entry.lastMs = o.start - from;
    result.failuresByEndpoint[ep] = entry;
  }
}

function appWasDown(o: RequestOutcome, killed: readonly Killed[]): boolean {
  return killed.some((k) => k.ip === o.endpoint && o.end >= k.at - 100);
}

/** Waits (bounded) for this fault's drains to end, then counts stuck pods, overruns and held removals. */
async function settleDrains(
  ctx: FaultContext,
  result: FaultResult,
  namespace: string,
  from: number,
  outages: readonly Outage[] = [],
) {
  const mine = () =>
    ctx.drains.records().filter((r) => r.namespace === namespace && (r.startedAt ?? 0) >= from);
  const limit = settleBy(mine(), STUCK_SLACK_MS);
  while (Date.now() < limit && mine().some((r) => r.removedAt === undefined)) await sleep(500);
  const records = mine();
  const now = Date.now();
  Object.assign(result, summarizeOverruns(records, outages));
  result.stuckPods = records.filter((r) => isStuck(r, now, STUCK_SLACK_MS)).length;
  const stuck = records.filter((r) => isStuck(r, now, STUCK_SLACK_MS));
  const all = ctx.drains.records();
  for (const ip of Object.keys(result.failuresByEndpoint)) {
    const pods = all.filter((r) => r.ip === ip);
    if (pods.length > 0) {
      result.details[`pod ${ip}`] = pods.map((r) => ({
        pod: r.pod,
        lastState: r.lastState,
        drainStartedMs: r.startedAt === undefined ? undefined : r.startedAt - from,
        deadlineMs: r.deadline === undefined ? undefined : r.deadline - from,
        heldMs: r.heldAt === undefined ? undefined : r.heldAt - from,
        removedMs: r.removedAt === undefined ? undefined : r.removedAt - from,
        lastRoutedMs: r.lastRoutedAt === undefined ? undefined : r.lastRoutedAt - from,
      }));
    }
  }
  if (stuck.length > 0) result.details.stuck = stuck.map((r) => `${r.pod} (${r.lastState})`);
  return records;
}

function emptyResult(kind: string): FaultResult {
  return {
    kind,
    rollouts: 0,
    faultedRollouts: 0,
    completedRollouts: 0,
    requests: 0,
    failed: 0,
    failedAppDown: 0,
    failuresByReason: {},
    failuresByEndpoint: {},
    drains: 0,
    stuckPods: 0,
    maxOverrunSeconds: 0,
    heldRemovals: { count: 0, maxSeconds: 0 },
    removalsAfterRefusals: 0,
    rawMaxOverrunSeconds: 0,
    errors: [],
    details: {},
  };
}

function webRollout(
  ctx: FaultContext,
  inject: () => Promise<void>,
  timeoutMs = 90_000,
  trigger?: () => Promise<void>,
  w: WebWorkload = WEB,
) {
  return rolloutUnderLoad(ctx.lab, {
    namespace: w.namespace,
    app: w.app,
    trigger: trigger ?? (() => rolloutRestart(ctx.lab.apis, w.namespace, w.app)),
    inject,
    propagationDelayMs: ctx.propagationDelayMs,
    timeoutMs,
    longConcurrency: 6,
    shortPerSecond: 20,
  });
}

/** Until a drain of this namespace (started after `from`) is in `states`, or `timeoutMs`. */
async function waitForDrain(
  ctx: FaultContext,
  namespace: string,
  from: number,
  states: string[],
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = ctx.drains
      .records()
      .find(
        (r: DrainRecord) =>
          r.namespace === namespace &&
          (r.startedAt ?? 0) >= from &&
          r.removedAt === undefined &&
          states.includes(r.lastState),
      );
    if (found) return found;
    await sleep(100);
  }
  return undefined;
}

export async function leaderKill(ctx: FaultContext, rollouts: number): Promise<FaultResult> {
  const result = emptyResult("leader-sigkill");
  const from = Date.now();
  const failovers: number[] = [];
  let kills = 0;
  for (let i = 0; i < rollouts && Date.now() < ctx.hardStopAt; i++) {
    const run = await webRollout(ctx, async () => {
      await sleep(Math.random() * 8000);
      const killedAt = Date.now();
      const killed = await ctx.lab.replicas.killLeader();
      if (killed === undefined) return;
      kills++;
      result.faultedRollouts++;
      for (let t = 0; t < 100; t++) {
        const holder = await ctx.lab.replicas.leader();
        if (holder !== undefined && holder !== killed) {
          failovers.push((Date.now() - killedAt) / 1000);
          return;
        }
        await sleep(200);
      }
    });
    tally(result, run, [], from);
    ctx.say(
      `  leader-sigkill rollout ${i + 1}/${rollouts}: ${run.outcomes.length} requests, ${run.outcomes.filter((o) => !o.ok).length} failed${run.error ? `; ${run.error}` : ""}`,
    );
  }
  await settleDrains(ctx, result, WEB.namespace, from);
  result.details = {
    ...result.details,
    kills,
    failoverSeconds: { max: Math.max(0, ...failovers), mean: mean(failovers) },
  };
  return result;
}

/** The API server stopped mid-drain, `downMs`, then restarted; `w` and `kind` name the stress case apart. */
export async function apiserverDown(
  ctx: FaultContext,
  rollouts: number,
  downMs: number,
  w: WebWorkload = WEB,
  kind = "apiserver-down",
): Promise<{ result: FaultResult; records: DrainRecord[]; outages: Outage[]; from: number }> {
  const result = emptyResult(kind);
  const from = Date.now();
  const outages: Outage[] = [];
  for (let i = 0; i < rollouts && Date.now() < ctx.hardStopAt; i++) {
    const started = Date.now();
    const run = await webRollout(
      ctx,
      async () => {
        await waitForDrain(ctx, w.namespace, started - 1000, ["Settling", "Quiescing", "Draining"], 20_000);
        ctx.say(`  stopping kube-apiserver for ${downMs / 1000} s`);
        const stoppedAt = Date.now();
        await ctx.lab.plane.restart("kube-apiserver", downMs);
        outages.push({ from: stoppedAt, to: Date.now() }); // restart() returns once it is ready again
        result.faultedRollouts++;
      },
      // A drain may take its timeout, and a held removal one more.
      2 * w.timeoutSeconds * 1000 + 90_000,
      undefined,
      w,
    );
    tally(result, run, [], from);
    ctx.say(
      `  ${kind} rollout ${i + 1}/${rollouts}: ${run.outcomes.length} requests, ${run.outcomes.filter((o) => !o.ok).length} failed${run.error ? `; ${run.error}` : ""}`,
    );
  }
  const records = await settleDrains(ctx, result, w.namespace, from, outages);
  result.details = {
    ...result.details,
    timeoutSeconds: w.timeoutSeconds,
    downSeconds: downMs / 1000,
    unavailableSeconds: outages.map((o) => (o.to - o.from) / 1000),
    outagesMs: outages.map((o) => ({ from: o.from - from, to: o.to - from })),
  };
  return { result, records, outages, from };
}

async function informerRestarts(ctx: FaultContext): Promise<number> {
  let total = 0;
  for (const id of ctx.lab.replicas.identities()) {
    const port = ctx.lab.replicas.healthPort(id);
    const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(3000) })
      .then((r) => r.text())
      .catch(() => "");
    for (const line of text.split("\n")) {
      if (line.startsWith("quiesce_informer_restarts_total")) total += Number(line.split(" ").pop() ?? 0);
    }
  }
  return total;
}

export async function watchCut(ctx: FaultContext, rollouts: number): Promise<FaultResult> {
  const result = emptyResult("watch-connections-cut");
  const from = Date.now();
  const before = await informerRestarts(ctx);
  let cuts = 0;
  let connections = 0;
  for (let i = 0; i < rollouts && Date.now() < ctx.hardStopAt; i++) {
    const run = await webRollout(ctx, async () => {
      for (let c = 0; c < 3; c++) {
        await sleep(500 + Math.random() * 3000);
        connections += ctx.lab.apiProxy.cutAll();
        cuts++;
      }
      result.faultedRollouts++;
    });
    tally(result, run, [], from);
    ctx.say(
      `  watch-cut rollout ${i + 1}/${rollouts}: ${run.outcomes.length} requests, ${run.outcomes.filter((o) => !o.ok).length} failed${run.error ? `; ${run.error}` : ""}`,
    );
  }
  await settleDrains(ctx, result, WEB.namespace, from);
  result.details = {
    ...result.details,
    cuts,
    connectionsCut: connections,
    informerRestarts: (await informerRestarts(ctx)) - before,
  };
  return result;
}

/** PIDs of a pod's container processes (the node agent gives each one POD_NAMESPACE and POD_NAME). */
async function podPids(namespace: string, pod: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const env = await readFile(`/proc/${entry}/environ`, "latin1").catch(() => "");
    const vars = env.split("\0");
    if (vars.includes(`POD_NAME=${pod}`) && vars.includes(`POD_NAMESPACE=${namespace}`))
      pids.push(Number(entry));
  }
  return pids;
}

export async function podDies(ctx: FaultContext, rollouts: number): Promise<FaultResult> {
  const result = emptyResult("pod-exits-while-draining");
  const from = Date.now();
  const killedPods: string[] = [];
  for (let i = 0; i < rollouts && Date.now() < ctx.hardStopAt; i++) {
    const killed: Killed[] = [];
    const started = Date.now();
    const run = await webRollout(ctx, async () => {
      const drain = await waitForDrain(ctx, WEB.namespace, started - 1000, ["Draining"], 30_000);
      if (drain?.ip === undefined) return;
      const pids = await podPids(WEB.namespace, drain.pod);
      killed.push({ ip: drain.ip, at: Date.now() });
      for (const pid of pids) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      if (pids.length > 0) {
        killedPods.push(drain.pod);
        result.faultedRollouts++;
      }
    });
    tally(result, run, killed, from);
    ctx.say(
      `  pod-exit rollout ${i + 1}/${rollouts}: ${run.outcomes.length} requests, ${run.outcomes.filter((o) => !o.ok).length} failed (incl. the killed pod's)${run.error ? `; ${run.error}` : ""}`,
    );
  }
  await settleDrains(ctx, result, WEB.namespace, from);
  result.details = { ...result.details, killedPods };
  return result;
}

export async function badEndpoints(ctx: FaultContext): Promise<FaultResult> {
  const result = emptyResult("misbehaving-quiesce-endpoint");
  const from = Date.now();
  const perMode: Record<string, { drains: number; maxOverrunSeconds: number }> = {};
  for (const [i, mode] of ENDPOINT_MODES.entries()) {
    if (Date.now() >= ctx.hardStopAt) break;
    const next = ENDPOINT_MODES[(i + 1) % ENDPOINT_MODES.length] ?? "500";
    const started = Date.now();
    const run = await rolloutUnderLoad(ctx.lab, {
      namespace: BROKEN.namespace,
      app: BROKEN.app,
      trigger: () => rollBrokenTo(ctx.lab.apis, next),
      propagationDelayMs: ctx.propagationDelayMs,
      timeoutMs: 90_000,
      longConcurrency: 4,
      shortPerSecond: 10,
    });
    tally(result, run, [], from);
    result.faultedRollouts++; // the old pods, drained now, run the misbehaving mode
    const drains = ctx.drains
      .records()
      .filter((r) => r.namespace === BROKEN.namespace && (r.startedAt ?? 0) >= started - 1000);
    perMode[mode] = {
      drains: drains.length,
      maxOverrunSeconds: Math.max(0, ...drains.map((r) => overrunSeconds(r))),
    };
    ctx.say(
      `  endpoint ${mode}: ${run.outcomes.length} requests, ${run.outcomes.filter((o) => !o.ok).length} failed, overrun ${perMode[mode]?.maxOverrunSeconds.toFixed(1)} s${run.error ? `; ${run.error}` : ""}`,
    );
  }
  await settleDrains(ctx, result, BROKEN.namespace, from);
  result.details = { ...result.details, perMode };
  return result;
}

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function webPods(ctx: FaultContext): Promise<V1Pod[]> {
  const pods = await ctx.lab.apis.core.listNamespacedPod({
    namespace: WEB.namespace,
    labelSelector: `app=${WEB.app}`,
  });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/**
 * Item 3 of the reliability issue, in two parts.
 * - Every replica gone (`rounds` times): a gated serving pod is deleted directly (as `kubectl delete pod` or a
 *   scale-in would); the deletion webhook fails open (`failurePolicy: Ignore`), so only the injected preStop sleep
 *   stands between the deletion and the load balancer. Its replacement is created while the mutating webhook fails
 *   open too: no readiness gate, Ready without the operator. After `downMs` the replicas come back, the policy names
 *   the ungated pod (PodsUngated), and a rollout restart (under load) replaces it with a gated one.
 * - A leader gap: the leader is SIGKILLed and the Deployment scaled up at once; the new pod gets its gate from the
 *   surviving replica's webhook but becomes Ready only when a new leader sets the serving condition. The time from
 *   its containers being ready to the pod being Ready is the failover's unblock time.
 */
export async function webhookDown(ctx: FaultContext, rounds: number, downMs: number): Promise<FaultResult> {
  const result = emptyResult("webhook-down");
  const from = Date.now();
  const replacements: { gated: boolean; readyWithoutOperator: boolean }[] = [];
  const ungatedReportedSeconds: number[] = [];
  for (let i = 0; i < rounds && Date.now() < ctx.hardStopAt; i++) {
    let replacement: { gated: boolean; readyWithoutOperator: boolean } | undefined;
    let podsBefore = new Set<string>();
    const run = await webRollout(
      ctx,
      async () => {
        await sleep(downMs);
        const fresh = (await webPods(ctx)).filter((p) => !podsBefore.has(p.metadata?.name ?? ""));
        const pod = fresh[0];
        replacement = pod && {
          gated: hasServingGate(pod),
          readyWithoutOperator: conditionTrue(pod, "Ready"),
        };
        const resumedAt = Date.now();
        ctx.lab.replicas.resume();
        const reported = await waitFor(
          async () => {
            const policy = (await ctx.lab.apis.custom.getNamespacedCustomObject({
              group: "quiesce.dev",
              version: "v1alpha1",
              namespace: WEB.namespace,
              plural: "quiescepolicies",
              name: WEB.app,
            })) as { status?: { conditions?: { type: string; status: string }[] } };
            return policy.status?.conditions?.some((c) => c.type === "PodsUngated" && c.status === "True");
          },
          { timeoutMs: 60_000, what: "PodsUngated on the web policy" },
        ).then(
          () => (Date.now() - resumedAt) / 1000,
          () => undefined,
        );
        if (reported !== undefined) ungatedReportedSeconds.push(reported);
      },
      180_000,
      async () => {
        await ctx.lab.replicas.killAll();
        await sleep(1500); // the balancer's probe has dropped both replicas
        const pods = await webPods(ctx);
        podsBefore = new Set(pods.map((p) => p.metadata?.name ?? ""));
        const victim = pods.find((p) => hasServingGate(p) && conditionTrue(p, "Ready"))?.metadata?.name;
        if (victim === undefined) throw new Error("webhook-down: no gated serving web pod to delete");
        await ctx.lab.apis.core.deleteNamespacedPod({ namespace: WEB.namespace, name: victim });
      },
    );
    tally(result, run, [], from);
    result.faultedRollouts++;
    if (replacement) replacements.push(replacement);
    // With the operator back, a rollout restart replaces the ungated pod by a gated one.
    const heal = await webRollout(ctx, async () => undefined);
    tally(result, heal, [], from);
    ctx.say(
      `  webhook-down round ${i + 1}/${rounds}: ${run.outcomes.length + heal.outcomes.length} requests, ${[...run.outcomes, ...heal.outcomes].filter((o) => !o.ok).length} failed; replacement ${replacement?.gated ? "gated" : "ungated"}${run.error ? `; ${run.error}` : ""}`,
    );
  }
  const gap = await leaderGap(ctx);
  await settleDrains(ctx, result, WEB.namespace, from);
  result.details = {
    ...result.details,
    downSeconds: downMs / 1000,
    replacementsCreatedWhileDown: replacements,
    podsUngatedReportedSecondsAfterResume: ungatedReportedSeconds,
    leaderGap: gap,
  };
  return result;
}

/** The leader killed and the Deployment scaled up at once: how long the new gated pod waits for a new leader. */
async function leaderGap(ctx: FaultContext) {
  const killedAt = Date.now();
  await ctx.lab.replicas.killLeader();
  const before = new Set((await webPods(ctx)).map((p) => p.metadata?.name ?? ""));
  await scaleDeployment(ctx.lab.apis, WEB.namespace, WEB.app, WEB.replicas + 1);
  let containersReadyAt: number | undefined;
  let readyAt: number | undefined;
  let podGated = false;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && readyAt === undefined) {
    const pod = (await webPods(ctx).catch(() => [])).find((p) => !before.has(p.metadata?.name ?? ""));
    if (pod) {
      podGated = hasServingGate(pod);
      if (containersReadyAt === undefined && conditionTrue(pod, "ContainersReady"))
        containersReadyAt = Date.now();
      if (conditionTrue(pod, "Ready")) readyAt = Date.now();
    }
    await sleep(100);
  }
  const newLeader = await ctx.lab.replicas.leader();
  await scaleDeployment(ctx.lab.apis, WEB.namespace, WEB.app, WEB.replicas);
  return {
    podGated,
    containersReadySecondsAfterKill:
      containersReadyAt === undefined ? null : (containersReadyAt - killedAt) / 1000,
    readySecondsAfterKill: readyAt === undefined ? null : (readyAt - killedAt) / 1000,
    /** Ready came this long after the containers were: the wait for a leader to set the serving condition. */
    unblockSeconds:
      readyAt === undefined || containersReadyAt === undefined ? null : (readyAt - containersReadyAt) / 1000,
    newLeader,
  };
}
