// `kubectl quiesce rollout restart|status deployment|statefulset|daemonset/NAME`: start or follow a rollout with a
// progress bar of the drains; non-zero when a drain timed out or the rollout did not finish in time.
import type { CoreV1Event } from "@kubernetes/client-node";
import { formatDuration } from "./duration.ts";
import type { PluginIo } from "./io.ts";
import { listPods, listPolicies, type PluginClients } from "./kube.ts";
import {
  DRAINED_EVENT,
  type RolloutProgress,
  RolloutTracker,
  renderProgress,
  TIMED_OUT_EVENT,
} from "./rollout-progress.ts";
import { readWorkload, resourceName, restartWorkload } from "./rollout-targets.ts";
import type { WorkloadKind } from "./rollout-workloads.ts";
import { type OutputFormat, renderObject } from "./table.ts";

export interface RolloutOptions {
  kind: WorkloadKind;
  name: string;
  restart: boolean;
  /** restart only: follow the rollout it started (default true). */
  follow: boolean;
  timeoutMs: number;
  intervalMs: number;
  output: OutputFormat;
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

async function snapshot(c: PluginClients, kind: WorkloadKind, name: string, now: number) {
  const read = await readWorkload(c, kind, name);
  const [pods, events, policies] = await Promise.all([
    listPods(c, c.namespace, read.selector),
    drainEvents(c),
    listPolicies(c, c.namespace),
  ]);
  return { read, snapshot: { workload: read.state, pods, events, policies, now } };
}

function summary(o: RolloutOptions, namespace: string, p: RolloutProgress | undefined, elapsedMs: number) {
  return {
    // `deployment: NAME` as before; `statefulset: NAME` and `daemonset: NAME` alike.
    [o.kind]: o.name,
    kind: o.kind,
    name: o.name,
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
  const target = resourceName(o.kind, o.name);
  let tracker: RolloutTracker;
  if (o.restart) {
    const { read } = await snapshot(c, o.kind, o.name, started);
    const before = await listPods(c, c.namespace, read.selector);
    await restartWorkload(c, o.kind, o.name, started);
    if (!o.follow) {
      io.out(`${target} restarted`);
      return 0;
    }
    io.err(`${target} restarted; following the rollout`);
    tracker = new RolloutTracker(
      started,
      before.map((p) => p.metadata?.name ?? ""),
    );
  } else {
    // Drains of this rollout are those since its revision was created.
    const { read } = await snapshot(c, o.kind, o.name, started);
    tracker = new RolloutTracker(read.revisionCreatedAt ?? started);
  }

  let progress: RolloutProgress | undefined;
  for (;;) {
    const now = io.now();
    progress = tracker.observe((await snapshot(c, o.kind, o.name, now)).snapshot);
    io.progress(renderProgress(`${o.kind}/${o.name}`, progress));
    if (progress.complete || now - started >= o.timeoutMs) break;
    await io.sleep(o.intervalMs);
  }
  io.endProgress();
  const elapsed = io.now() - started;
  if (o.output !== "table") io.out(renderObject(summary(o, c.namespace, progress, elapsed), o.output));
  if (!progress.complete) {
    io.err(
      `error: timed out after ${formatDuration(o.timeoutMs)} waiting for ${o.kind}/${o.name} to roll out`,
    );
    return 1;
  }
  if (progress.drains.timedOut > 0) {
    io.err(
      `error: ${progress.drains.timedOut} drain(s) timed out in the rollout of ${o.kind}/${o.name}: ${progress.timedOutPods.join(", ")}`,
    );
    return 1;
  }
  if (o.output === "table") {
    io.out(
      `${o.kind} "${o.name}" successfully rolled out in ${formatDuration(elapsed)}: ` +
        `${progress.drains.total} old pods removed, ${progress.drains.drained} drained, 0 timed out`,
    );
  }
  return 0;
}
