// Runs one way's rollout under load: prepare the app, drive traffic, restart the Deployment, record what happened.
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";
import type { Environment } from "../../test/harness/environment.ts";
import type { RolloutRun, Tick } from "../../test/harness/report/rollout-run.ts";
import {
  type RequestClass,
  type RequestOutcome,
  startLoad,
  startTrafficClient,
  summarize,
  type TrafficClient,
} from "../../test/harness/traffic/index.ts";
import { APP_PORT } from "../../test/scenarios/manifests.ts";
import { type Way, wayApp, wayPolicy } from "../../test/scenarios/ways.ts";
import {
  createApp,
  createPolicy,
  rolloutRestart,
  waitRolloutComplete,
} from "../../test/scenarios/workloads.ts";
import { trackPods } from "./pod-tracker.ts";
import type { Profile } from "./profile.ts";

export const APP = "web";

/**
 * Creates the namespace (the way's name by default), the policy (the operator way's by default) and the app;
 * resolves when every replica is Ready.
 */
export async function prepareWay(
  lab: Environment,
  way: Way,
  profile: Profile,
  {
    namespace = way,
    policy = wayPolicy(way, profile.maxSurge),
  }: { namespace?: string; policy?: QuiescePolicySpecInput | undefined } = {},
): Promise<string> {
  await lab.apis.core.createNamespace({ body: { metadata: { name: namespace } } });
  if (policy) await createPolicy(lab.apis, APP, namespace, policy);
  await createApp(lab.apis, wayApp(way, namespace, profile.replicas, profile.maxSurge), 120_000);
  return namespace;
}

export async function deleteWay(lab: Environment, namespace: string): Promise<void> {
  await lab.apis.core.deleteNamespace({ name: namespace }).catch(() => undefined);
}

export async function runRollout(
  lab: Environment,
  way: Way,
  namespace: string,
  profile: Profile,
  options: { onTick?: (tick: Tick) => void; pollInFlightMs?: number; signal?: AbortSignal } = {},
): Promise<RolloutRun> {
  const client = await startClient(lab, namespace, profile);
  const tracker = await trackPods(lab.kc, namespace, APP, client.follower, {
    port: APP_PORT,
    ...(options.pollInFlightMs ? { pollInFlightMs: options.pollInFlightMs } : {}),
  });
  let phase: Tick["phase"] = "warming up";
  let rolloutStartedAt: number | undefined;
  let failed = 0;
  const countFailure = (o: RequestOutcome) => {
    if (!o.ok) failed++;
    return o;
  };
  const send = (path: string, cls: RequestClass = "short") => client.send(path, cls).then(countFailure);
  const ticker = setInterval(() => {
    options.onTick?.({
      way,
      phase,
      ...(rolloutStartedAt !== undefined ? { rolloutStartedAt } : {}),
      pods: tracker.pods(),
      sent: client.outcomes.length,
      failed,
      replicas: profile.replicas,
    });
  }, 250);
  const aborted = () => {
    if (options.signal?.aborted) throw new Error("interrupted");
  };
  try {
    await new Promise((r) => setTimeout(r, profile.propagationDelayMs + 500)); // the client sees every pod
    const load = startProfileLoad(send, profile);
    await new Promise((r) => setTimeout(r, profile.warmupMs));
    aborted();
    tracker.markOld();
    phase = "rolling out";
    const startedAt = Date.now();
    rolloutStartedAt = startedAt;
    await rolloutRestart(lab.apis, namespace, APP);
    // Once every old pod has been asked to go, new long work only reaches new pods: stop starting it.
    const longStopper = setInterval(() => {
      const old = tracker.pods().filter((p) => p.old);
      if (old.length > 0 && old.every((p) => p.removalAt !== undefined)) {
        clearInterval(longStopper);
        void load.stopLong();
      }
    }, 200);
    try {
      await waitRolloutComplete(lab.apis, namespace, APP, profile.rolloutTimeoutMs);
    } finally {
      clearInterval(longStopper);
    }
    const finishedAt = Date.now();
    phase = "finishing";
    const outcomes = await load.stop();
    return runRecord(
      { way, namespace, replicas: profile.replicas, startedAt, finishedAt },
      outcomes,
      tracker.pods(),
    );
  } finally {
    clearInterval(ticker);
    await tracker.stop();
    await client.stop();
  }
}

/** The kube-proxy-like client on the app's Service, with the profile's load balancer lag. */
export async function startClient(
  lab: Environment,
  namespace: string,
  profile: Profile,
): Promise<TrafficClient> {
  return await startTrafficClient({
    kubeConfig: lab.kc,
    namespace,
    service: APP,
    port: APP_PORT,
    propagationDelayMs: profile.propagationDelayMs,
    timeoutMs: 120_000,
  });
}

export interface ProfileLoad {
  /** Stops starting long work; resolves with its outcomes once what is in flight has ended. */
  stopLong(): Promise<RequestOutcome[]>;
  /** Stops all of it; resolves with every outcome once nothing is in flight. */
  stop(): Promise<RequestOutcome[]>;
}

/** The profile's load: its open-loop short streams (jittered if asked) and its closed-loop long work, until stopped. */
export function startProfileLoad(
  send: (path: string, cls: RequestClass) => Promise<RequestOutcome>,
  profile: Profile,
): ProfileLoad {
  const forever = 3_600_000;
  const { jitterMs = 0, mix = [{ path: profile.short.path, weight: 1, class: "short" }] } = profile.short;
  const jittered = (path: string, cls: RequestClass) =>
    new Promise((r) => setTimeout(r, Math.random() * jitterMs)).then(() => send(path, cls));
  const shorts = Array.from({ length: profile.short.loops }, () =>
    startLoad(jitterMs > 0 ? jittered : send, {
      mix,
      ratePerSecond: profile.short.ratePerSecond,
      durationMs: forever,
    }),
  );
  const long = profile.long
    ? startLoad(send, { mix: profile.long.mix, concurrency: profile.long.concurrency, durationMs: forever })
    : undefined;
  const stopLong = async () => (await long?.stop()) ?? [];
  return {
    stopLong,
    async stop() {
      return [...(await Promise.all(shorts.map((l) => l.stop()))).flat(), ...(await stopLong())];
    },
  };
}

/** The record of a run from its request outcomes and pod timelines. */
export function runRecord(
  run: Pick<RolloutRun, "way" | "namespace" | "replicas" | "startedAt" | "finishedAt">,
  outcomes: readonly RequestOutcome[],
  pods: RolloutRun["pods"],
): RolloutRun {
  const lastEndByIp: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.endpoint) lastEndByIp[o.endpoint] = Math.max(lastEndByIp[o.endpoint] ?? 0, o.end);
  }
  return {
    ...run,
    summary: summarize(outcomes),
    failures: outcomes
      .filter((o) => !o.ok)
      .map((o) => ({ at: o.start, reason: o.failure ?? "unknown", class: o.class })),
    lastEndByIp,
    pods,
  };
}
