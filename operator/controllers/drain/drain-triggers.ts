// What wakes the drain controller: events of its pods, EndpointSlice changes of Settling pods, and a new leader.
import type { V1EndpointSlice, V1Pod } from "@kubernetes/client-node";
import { keyOf, type ObjectKey, objectKey } from "../../api/object-key.ts";
import { drainStateOf, isTerminating } from "../../api/pod-view.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import { isOurPod, needsReconcile } from "./pod-controller.ts";

export interface DrainQueue {
  /** Reconcile the pod's drain when it is due (a poll not yet due waits). */
  add(key: ObjectKey): void;
  /** Reconcile it now, before its next poll is due. */
  wake(key: ObjectKey): void;
}

export function drainTriggers(cache: ClusterCache, drains: DrainQueue) {
  return {
    watch(): void {
      const onPod = (pod: V1Pod) => {
        if (!needsReconcile(pod, cache.policies.list(pod.metadata?.namespace))) return;
        // A pod being deleted without us (break-glass, bypassed webhook) is looked at once, not at its next poll.
        if (isTerminating(pod)) drains.wake(keyOf(pod));
        else drains.add(keyOf(pod));
      };
      cache.pods.on("add", onPod);
      cache.pods.on("update", onPod);
      // A Settling drain measures its settle from when it sees its pod leave the EndpointSlices: look at once.
      const onSlice = (slice: V1EndpointSlice, old?: V1EndpointSlice) => {
        const namespace = slice.metadata?.namespace ?? "";
        const names = new Set(
          [...(slice.endpoints ?? []), ...(old?.endpoints ?? [])].map((e) => e.targetRef?.name),
        );
        for (const name of names) {
          if (name === undefined) continue;
          const pod = cache.pods.get(namespace, name);
          if (pod !== undefined && drainStateOf(pod).phase === "Settling")
            drains.wake(objectKey(namespace, name));
        }
      };
      cache.endpointSlices.on("update", onSlice);
      cache.endpointSlices.on("delete", (slice) => onSlice(slice));
    },
    /** A new leader resumes every drain recorded on pods. */
    resync(): void {
      for (const pod of cache.pods.list()) if (isOurPod(pod)) drains.add(keyOf(pod));
    },
  };
}
