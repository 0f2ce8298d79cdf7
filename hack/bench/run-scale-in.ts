// Runs one way's scale-in under load: long work on about half the pods, then the Deployment's replicas patched from
// `replicas` to `scaleInTo`; records the run until the scale-in is over and what the removed pods had in flight.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Environment } from "../../test/harness/environment.ts";
import {
  costsLine,
  deletionCosts,
  longInFlightAt,
  type PodAtScale,
  removedAt,
  type ScaleInRun,
  scaleInDone,
} from "../../test/harness/report/scale-in.ts";
import { waitFor } from "../../test/harness/wait-for.ts";
import { APP_PORT } from "../../test/scenarios/manifests.ts";
import type { Way } from "../../test/scenarios/ways.ts";
import { listPods, nameOf } from "../../test/scenarios/workloads.ts";
import { trackPods } from "../demo/pod-tracker.ts";
import type { Profile } from "../demo/profile.ts";
import { APP, type ProfileLoad, runRecord, startClient, startProfileLoad } from "../demo/rollout.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface ScaleInOptions {
  log: (line: string) => void;
  /**
   * The policy's `scaleIn.pollIntervalSeconds` when it has `preferIdle`: the load then runs at least 2 polls and
   * 2 s more before the scale (the costs follow the work), and the run waits for a cost on every pod.
   */
  costPollSeconds?: number | undefined;
}

export async function runScaleIn(
  lab: Environment,
  way: Way,
  namespace: string,
  profile: Profile,
  { log, costPollSeconds }: ScaleInOptions,
): Promise<ScaleInRun> {
  const scaleTo = profile.scaleInTo;
  if (scaleTo === undefined) throw new Error("runScaleIn: the profile has no scaleInTo");
  const client = await startClient(lab, namespace, profile);
  const tracker = await trackPods(lab.kc, namespace, APP, client.follower, { port: APP_PORT });
  let running: ProfileLoad | undefined;
  try {
    await sleep(profile.propagationDelayMs + 500); // the client sees every pod
    const load = startProfileLoad(client.send, profile);
    running = load;
    const pollMs = (costPollSeconds ?? 0) * 1000;
    await sleep(Math.max(profile.warmupMs, costPollSeconds === undefined ? 0 : 2 * pollMs + 2000));
    if (costPollSeconds !== undefined) {
      await waitFor(
        async () =>
          [...deletionCosts(await listPods(lab.apis, namespace, APP)).values()].every((c) => c !== undefined),
        { timeoutMs: 3 * pollMs + 5000, intervalMs: 250, what: "a pod-deletion-cost on every pod" },
      ).catch((error: unknown) => log(`WARNING: ${error instanceof Error ? error.message : String(error)}`));
    }
    tracker.markOld();
    // The in-flight counts (each pod's quiesce endpoint) and the costs, read together right before the patch.
    const [, pods] = await Promise.all([tracker.pollInFlight(), listPods(lab.apis, namespace, APP)]);
    const costs = deletionCosts(pods);
    const atScale: PodAtScale[] = tracker
      .pods()
      .filter((p) => p.old)
      .map((p) => {
        const cost = costs.get(p.name);
        return {
          name: p.name,
          ...(p.ip !== undefined ? { ip: p.ip } : {}),
          ...(p.inFlight !== undefined ? { inFlight: p.inFlight } : {}),
          longInFlight: 0,
          ...(cost !== undefined ? { cost } : {}),
        };
      });
    log(`${namespace} at the scale, pod cost (in flight): ${costsLine(atScale)}`);
    const startedAt = Date.now();
    await lab.apis.apps.patchNamespacedDeployment(
      { name: APP, namespace, body: { spec: { replicas: scaleTo } } },
      merge,
    );
    // Once the pods to go have been asked to, new long work only reaches those that stay: stop starting it (as the
    // rollouts do), so a removed pod's drain is the work it had at the scale, not a long request sent meanwhile.
    const removals = profile.replicas - scaleTo;
    const longStopper = setInterval(() => {
      if (tracker.pods().filter((p) => p.old && p.removalAt !== undefined).length >= removals) {
        clearInterval(longStopper);
        void load.stopLong();
      }
    }, 200);
    let remaining: string[];
    try {
      remaining = await waitFor(
        async () => {
          const [d, now] = await Promise.all([
            lab.apis.apps.readNamespacedDeployment({ name: APP, namespace }),
            listPods(lab.apis, namespace, APP),
          ]);
          return scaleInDone(d, now, scaleTo) ? now.map(nameOf) : undefined;
        },
        {
          timeoutMs: profile.rolloutTimeoutMs,
          intervalMs: 250,
          what: `${namespace}/${APP} scaled in to ${scaleTo}`,
        },
      );
    } finally {
      clearInterval(longStopper);
    }
    const finishedAt = Date.now();
    const outcomes = await load.stop();
    for (const p of atScale) p.longInFlight = longInFlightAt(outcomes, p.ip, startedAt);
    return {
      ...runRecord(
        { way, namespace, replicas: profile.replicas, startedAt, finishedAt },
        outcomes,
        tracker.pods(),
      ),
      scaleFrom: profile.replicas,
      scaleTo,
      atScale,
      removed: removedAt(atScale, remaining),
    };
  } finally {
    const stopping = running?.stop(); // resolved already unless the run failed
    await tracker.stop();
    await client.stop();
    await stopping;
  }
}
