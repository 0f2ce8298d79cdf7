// Watches the scenario's pods and keeps each one's timeline (state segments, removal, endpoints, drain, deletion).
import { CoreV1Api, type KubeConfig, makeInformer, type V1Pod } from "@kubernetes/client-node";
import { drainFinished, podStateOf } from "../../test/harness/report/pod-state.ts";
import type { PodTimeline } from "../../test/harness/report/rollout-run.ts";
import type { EndpointFollower } from "../../test/harness/traffic/index.ts";

export interface PodTracker {
  pods(): PodTimeline[];
  /** Marks every pod seen so far as old (call right before the rollout). */
  markOld(): void;
  /** Reads every live pod's in-flight count from its quiesce endpoint now (into `inFlight`). */
  pollInFlight(): Promise<void>;
  stop(): Promise<void>;
}

export async function trackPods(
  kc: KubeConfig,
  namespace: string,
  app: string,
  follower: EndpointFollower,
  options: { pollInFlightMs?: number; port?: number } = {},
): Promise<PodTracker> {
  const core = kc.makeApiClient(CoreV1Api);
  const labelSelector = `app=${app}`;
  const informer = makeInformer<V1Pod>(
    kc,
    `/api/v1/namespaces/${namespace}/pods`,
    () => core.listNamespacedPod({ namespace, labelSelector }),
    labelSelector,
  );
  const byUid = new Map<string, PodTimeline>();
  let stopped = false;

  const observe = (pod: V1Pod) => {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const now = Date.now();
    let t = byUid.get(uid);
    if (!t) {
      t = { name: pod.metadata?.name ?? uid, old: false, createdAt: now, segments: [] };
      byUid.set(uid, t);
    }
    if (pod.status?.podIP) t.ip = pod.status.podIP;
    const state = podStateOf(pod);
    const last = t.segments.at(-1);
    if (last?.state !== state) {
      if (last) last.to = now;
      t.segments.push({ state, from: now });
    }
    if (state === "serving") t.readyAt ??= now;
    if (state === "quiescing" || state === "draining" || state === "terminating") t.removalAt ??= now;
    if (drainFinished(pod)) t.drainedAt ??= now;
    if (pod.metadata?.deletionTimestamp) t.deletedAt ??= now;
  };
  informer.on("add", observe);
  informer.on("update", observe);
  informer.on("delete", (pod) => {
    const t = byUid.get(pod.metadata?.uid ?? "");
    if (!t || t.goneAt) return;
    const now = Date.now();
    t.goneAt = now;
    const last = t.segments.at(-1);
    if (last) last.to = now;
    t.segments.push({ state: "gone", from: now });
  });
  informer.on("error", () => {
    if (!stopped) setTimeout(() => void informer.start(), 1000);
  });
  const unfollow = follower.onChange((change) => {
    const ready = new Set(change.endpoints);
    for (const t of byUid.values()) {
      if (t.removalAt !== undefined && t.outOfEndpointsAt === undefined && t.ip && !ready.has(t.ip)) {
        t.outOfEndpointsAt = change.observedAt;
      }
    }
  });
  await informer.start();

  const port = options.port ?? 8080;
  const pollInFlight = async () => {
    await Promise.all(
      [...byUid.values()]
        .filter((t) => t.ip && !t.goneAt)
        .map(async (t) => {
          try {
            const res = await fetch(`http://${t.ip}:${port}/quiesce`, { signal: AbortSignal.timeout(800) });
            const body = (await res.json()) as { inFlight?: unknown };
            if (typeof body.inFlight === "number") t.inFlight = body.inFlight;
          } catch {
            // closed or gone: keep the last value
          }
        }),
    );
  };
  let poller: NodeJS.Timeout | undefined;
  if (options.pollInFlightMs) {
    const every = options.pollInFlightMs;
    const poll = async () => {
      await pollInFlight();
      if (!stopped) poller = setTimeout(() => void poll(), every);
    };
    void poll();
  }

  return {
    pods: () => [...byUid.values()],
    markOld() {
      for (const t of byUid.values()) if (!t.goneAt) t.old = true;
    },
    pollInFlight,
    async stop() {
      stopped = true;
      if (poller) clearTimeout(poller);
      unfollow();
      await informer.stop();
    },
  };
}
