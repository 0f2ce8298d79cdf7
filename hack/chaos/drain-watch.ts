// Polls the pods and EndpointSlices of the chaos namespaces and keeps, per pod, when its drain started, its
// policy's deadline, whether the operator held its removal, when it was removed and when a slice last routed to it.
import type { DiscoveryV1Api, V1Pod } from "@kubernetes/client-node";
import { ANNOTATIONS } from "../../operator/api/pod-annotations.ts";
import { readyAddresses } from "../../test/harness/traffic/index.ts";
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
  /** The policy timeout, ms (a held removal may take one more). */
  timeoutMs: number;
  lastState: string;
  /** Every drain state seen, in order. */
  states: string[];
  /** When the operator held the removal past the deadline because a Service still routed to the pod. */
  heldAt?: number;
  /** The drained pod's removal waited for the app's refusals of new work to stop (bounded by the deadline). */
  refusalsSeen?: boolean;
  /** When the pod was first seen terminating or gone. */
  removedAt?: number;
  /** Last poll that saw the pod's IP ready and not terminating in one of the namespace's EndpointSlices. */
  lastRoutedAt?: number;
}

export interface DrainWatch {
  records(): DrainRecord[];
  stop(): void;
}

/** `timeoutSecondsByNamespace`: the drain timeout of the policy in each watched namespace. */
export function watchDrains(
  apis: Apis,
  discovery: DiscoveryV1Api,
  timeoutSecondsByNamespace: Record<string, number>,
): DrainWatch {
  const byUid = new Map<string, DrainRecord>();
  let lastGoodPoll = Date.now();
  let stopped = false;
  const poll = async () => {
    for (const [namespace, timeoutSeconds] of Object.entries(timeoutSecondsByNamespace)) {
      let pods: V1Pod[];
      let routed: Set<string>;
      try {
        pods = (await apis.core.listNamespacedPod({ namespace })).items;
        routed = new Set(readyAddresses((await discovery.listNamespacedEndpointSlice({ namespace })).items));
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
          timeoutMs: timeoutSeconds * 1000,
          lastState: "Serving",
          states: [],
        };
        if (pod.status?.podIP) record.ip = pod.status.podIP;
        record.lastState = annotations[ANNOTATIONS.state] ?? record.lastState;
        if (record.states.at(-1) !== record.lastState) record.states.push(record.lastState);
        const heldAt = Date.parse(annotations[ANNOTATIONS.heldAt] ?? "");
        if (Number.isFinite(heldAt)) record.heldAt = heldAt;
        if (annotations[ANNOTATIONS.lastRefusedAt]) record.refusalsSeen = true;
        const started = Date.parse(annotations[ANNOTATIONS.startedAt] ?? "");
        if (Number.isFinite(started)) {
          record.startedAt = started;
          record.deadline = started + record.timeoutMs;
        }
        if (pod.metadata?.deletionTimestamp && record.removedAt === undefined) {
          // Polls missed (API server down): the API server's own deletion time, rounded up to its second.
          record.removedAt = fresh ? now : Math.min(now, (deletionRequestedAt(pod) ?? now) + 999);
        }
        byUid.set(uid, record);
      }
      for (const record of byUid.values()) {
        if (record.namespace !== namespace) continue;
        if (!seen.has(record.uid) && record.removedAt === undefined) record.removedAt = now;
        if (record.ip !== undefined && routed.has(record.ip)) record.lastRoutedAt = now;
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
    stop: () => {
      stopped = true;
    },
  };
}
