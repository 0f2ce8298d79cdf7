// `kubectl quiesce rollout restart|status deployment/NAME`: start or follow a rollout with a progress bar of
// the drains; non-zero when a drain timed out or the rollout did not finish in time.
import {
  type CoreV1Event,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment,
} from "@kubernetes/client-node";
import { formatDuration } from "./duration.ts";
import type { PluginIo } from "./io.ts";
import { describeApiError, listPods, listPolicies, type PluginClients, selectorString } from "./kube.ts";
import {
  currentTemplateHash,
  DRAINED_EVENT,
  ownedReplicaSets,
  type RolloutProgress,
  RolloutTracker,
  renderProgress,
  TIMED_OUT_EVENT,
} from "./rollout-progress.ts";
import { type OutputFormat, renderObject } from "./table.ts";

export interface RolloutOptions {
  name: string;
  restart: boolean;
  /** restart only: follow the rollout it started (default true). */
  follow: boolean;
  timeoutMs: number;
  intervalMs: number;
  output: OutputFormat;
}

async function readDeployment(c: PluginClients, name: string): Promise<V1Deployment> {
  try {
    return await c.apps.readNamespacedDeployment({ name, namespace: c.namespace });
  } catch (error) {
    throw new Error(describeApiError(`reading deployment ${c.namespace}/${name}`, error));
  }
}

/** What `kubectl rollout restart` does: stamp the pod template, so the Deployment rolls every pod. */
async function restart(c: PluginClients, name: string, now: number): Promise<void> {
  const body = {
    spec: {
      template: {
        metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date(now).toISOString() } },
      },
    },
  };
  try {
    await c.apps.patchNamespacedDeployment(
      { name, namespace: c.namespace, body },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
  } catch (error) {
    throw new Error(describeApiError(`restarting deployment ${c.namespace}/${name}`, error));
  }
}

async function drainEvents(c: PluginClients): Promise<CoreV1Event[]> {
  const lists = await Promise.all(
    [DRAINED_EVENT, TIMED_OUT_EVENT].map((reason) =>
      c.core.listNamespacedEvent({
        namespace: c.namespace,
        fieldSelector: `involvedObject.kind=Pod,reason=${reason}`,
      }),
    ),
  );
  return lists.flatMap((l) => l.items);
}

async function snapshot(c: PluginClients, name: string, now: number) {
  const deployment = await readDeployment(c, name);
  const selector = selectorString(deployment.spec?.selector ?? {});
  const [replicaSets, pods, events, policies] = await Promise.all([
    c.apps.listNamespacedReplicaSet({ namespace: c.namespace, labelSelector: selector }).then((l) => l.items),
    listPods(c, c.namespace, selector),
    drainEvents(c),
    listPolicies(c, c.namespace),
  ]);
  return { deployment, replicaSets, pods, events, policies, now };
}

function summary(name: string, namespace: string, p: RolloutProgress | undefined, elapsedMs: number) {
  return {
    deployment: name,
    namespace,
    complete: p?.complete ?? false,
    seconds: Math.round(elapsedMs / 1000),
    drains: {
      total: p?.drains.total ?? 0,
      done: p?.drains.done ?? 0,
      drained: p?.drains.drained ?? 0,
      timedOut: p?.drains.timedOut ?? 0,
    },
    timedOutPods: p?.timedOutPods ?? [],
  };
}

export async function rolloutCommand(c: PluginClients, o: RolloutOptions, io: PluginIo): Promise<number> {
  const started = io.now();
  let tracker: RolloutTracker;
  if (o.restart) {
    const d = await readDeployment(c, o.name);
    const before = await listPods(c, c.namespace, selectorString(d.spec?.selector ?? {}));
    await restart(c, o.name, started);
    if (!o.follow) {
      io.out(`deployment.apps/${o.name} restarted`);
      return 0;
    }
    io.err(`deployment.apps/${o.name} restarted; following the rollout`);
    tracker = new RolloutTracker(
      started,
      before.map((p) => p.metadata?.name ?? ""),
    );
  } else {
    // Drains of this rollout are those since its ReplicaSet was created.
    const first = await snapshot(c, o.name, started);
    const hash = currentTemplateHash(first.deployment, first.replicaSets);
    const current = ownedReplicaSets(first.deployment, first.replicaSets).find(
      (rs) => rs.metadata?.labels?.["pod-template-hash"] === hash,
    );
    const created = current?.metadata?.creationTimestamp;
    tracker = new RolloutTracker(created ? new Date(created).getTime() : started);
  }

  let progress: RolloutProgress | undefined;
  for (;;) {
    const now = io.now();
    progress = tracker.observe(await snapshot(c, o.name, now));
    io.progress(renderProgress(o.name, progress));
    if (progress.complete || now - started >= o.timeoutMs) break;
    await io.sleep(o.intervalMs);
  }
  io.endProgress();
  const elapsed = io.now() - started;
  if (o.output !== "table") io.out(renderObject(summary(o.name, c.namespace, progress, elapsed), o.output));
  if (!progress.complete) {
    io.err(
      `error: timed out after ${formatDuration(o.timeoutMs)} waiting for deployment/${o.name} to roll out`,
    );
    return 1;
  }
  if (progress.drains.timedOut > 0) {
    io.err(
      `error: ${progress.drains.timedOut} drain(s) timed out in the rollout of deployment/${o.name}: ${progress.timedOutPods.join(", ")}`,
    );
    return 1;
  }
  if (o.output === "table") {
    io.out(
      `deployment "${o.name}" successfully rolled out in ${formatDuration(elapsed)}: ` +
        `${progress.drains.total} old pods removed, ${progress.drains.drained} drained, 0 timed out`,
    );
  }
  return 0;
}
