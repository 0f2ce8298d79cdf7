// Polls the pods of the chaos namespaces and keeps, per pod, when its drain started, when its policy's deadline
// was, and when the pod was removed (deletion seen): the overrun and stuck-pod figures come from here.
import type { V1Pod } from "@kubernetes/client-node";
import { ANNOTATIONS } from "../../operator/api/pod-annotations.ts";
import { deletionRequestedAt } from "../../test/scenarios/drain-steps.ts";
import type { Apis } from "../../test/scenarios/workloads.ts";

export interface DrainRecord {
  namespace: string;
  pod: string;
  uid: string;
  ip?: string;
  /** Drain start (the operator's started-at annotation), epoch ms. */
  startedAt?: number;
  /** startedAt + the policy timeout. */
  deadline?: number;
  lastState: string;
  /** The operator held the removal past the deadline because a Service still routed to the pod. */
  held?: boolean;
  /** When the pod was first seen terminating or gone. */
  removedAt?: number;
}

export interface DrainWatch {
  records(): DrainRecord[];
  /** Records whose pod left after this instant (or has not left). */
  since(at: number): DrainRecord[];
  stop(): void;
}

/** `timeoutSecondsByNamespace`: the drain timeout of the policy in each watched namespace. */
export function watchDrains(apis: Apis, timeoutSecondsByNamespace: Record<string, number>): DrainWatch {
  const byUid = new Map<string, DrainRecord>();
  let lastGoodPoll = Date.now();
  let stopped = false;
  const poll = async () => {
    for (const [namespace, timeoutSeconds] of Object.entries(timeoutSecondsByNamespace)) {
      let pods: V1Pod[];
      try {
        pods = (await apis.core.listNamespacedPod({ namespace })).items;
      } catch {
        return; // API server down: the next successful poll decides
      }
      const now = Date.now();
      const fresh = now - lastGoodPoll < 1500;
      const seen = new Set<string>();
      for (const pod of pods) {
        const uid = pod.metadata?.uid ?? "";
        seen.add(uid);
        const annotations = pod.metadata?.annotations ?? {};
        const record: DrainRecord = byUid.get(uid) ?? {
          namespace,
          pod: pod.metadata?.name ?? "",
          uid,
          lastState: "Serving",
        };
        if (pod.status?.podIP) record.ip = pod.status.podIP;
        record.lastState = annotations[ANNOTATIONS.state] ?? record.lastState;
        if (annotations[ANNOTATIONS.heldAt]) record.held = true;
        const started = Date.parse(annotations[ANNOTATIONS.startedAt] ?? "");
        if (Number.isFinite(started)) {
          record.startedAt = started;
          record.deadline = started + timeoutSeconds * 1000;
        }
        if (pod.metadata?.deletionTimestamp && record.removedAt === undefined) {
          // Polls missed (API server down): the API server's own deletion time, rounded up to its second.
          record.removedAt = fresh ? now : Math.min(now, (deletionRequestedAt(pod) ?? now) + 999);
        }
        byUid.set(uid, record);
      }
      for (const record of byUid.values()) {
        if (record.namespace === namespace && !seen.has(record.uid) && record.removedAt === undefined) {
          record.removedAt = now;
        }
      }
    }
    lastGoodPoll = Date.now();
  };
  const loop = (async () => {
    while (!stopped) {
      await poll();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  void loop;
  return {
    records: () => [...byUid.values()],
    since: (at) => [...byUid.values()].filter((r) => r.removedAt === undefined || r.removedAt >= at),
    stop: () => {
      stopped = true;
    },
  };
}

/** How long past its policy deadline a drained pod stayed (0 when it left in time). */
export function overrunSeconds(r: DrainRecord): number {
  if (r.deadline === undefined || r.removedAt === undefined) return 0;
  return Math.max(0, (r.removedAt - r.deadline) / 1000);
}

/**
 * The overrun counted from when the operator could act: a deadline that fell while the API server was down moves to
 * the end of that outage (nobody can delete a pod then). The raw overrun is still reported beside it.
 */
export function overrunBeyondOutagesSeconds(
  r: DrainRecord,
  outages: readonly { from: number; to: number }[],
): number {
  if (r.deadline === undefined || r.removedAt === undefined) return 0;
  const deadline = r.deadline;
  const outage = outages.find((o) => deadline >= o.from && deadline <= o.to);
  return Math.max(0, (r.removedAt - (outage?.to ?? deadline)) / 1000);
}

/** A drain whose pod is still there `slackMs` after its deadline. */
export function isStuck(r: DrainRecord, now: number, slackMs: number): boolean {
  return r.deadline !== undefined && r.removedAt === undefined && now > r.deadline + slackMs;
}
