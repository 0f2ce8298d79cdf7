// What wakes the scale-in controller: pods of preferIdle policies or carrying its cost, policy changes, a new leader.
import type { V1Pod } from "@kubernetes/client-node";
import { keyOf, type ObjectKey } from "../../api/object-key.ts";
import { governingPolicy } from "../../api/policy-match.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { COST_BUCKET_ANNOTATION, prefersIdle } from "./deletion-cost.ts";

export interface ScaleInQueue {
  /** Look at the pod when its next poll is due (a poll not yet due waits: our own writes do not shorten it). */
  add(key: ObjectKey): void;
  /** Look at it now. */
  wake(key: ObjectKey): void;
}

/** The pod is the controller's concern: a preferIdle policy governs it, or it carries a cost the operator wrote. */
export function concernsScaleIn(pod: V1Pod, policies: readonly QuiescePolicy[]): boolean {
  if (pod.metadata?.annotations?.[COST_BUCKET_ANNOTATION] !== undefined) return true;
  const policy = governingPolicy(pod, policies);
  return policy !== undefined && prefersIdle(policy);
}

interface Watched<T> {
  list(namespace?: string): T[];
  on(event: "add" | "update" | "delete", handler: (object: T, old?: T) => void): void;
}

/** The informers it follows (a ClusterCache's, or in-memory stores in tests). */
export interface ScaleInWatched {
  pods: Watched<V1Pod>;
  policies: Watched<QuiescePolicy>;
}

export function scaleInTriggers(cache: ScaleInWatched, pods: ScaleInQueue) {
  const concerns = (pod: V1Pod) => concernsScaleIn(pod, cache.policies.list(pod.metadata?.namespace ?? ""));
  /** The concerned pods of one namespace, or of all. */
  const concerned = (namespace?: string) => cache.pods.list(namespace).filter(concerns);
  return {
    watch(): void {
      const onPod = (pod: V1Pod) => {
        if (concerns(pod)) pods.add(keyOf(pod));
      };
      cache.pods.on("add", onPod);
      cache.pods.on("update", onPod);
      // A spec change turns polling on or off, or changes its interval: at once. Status writes change nothing.
      const onPolicy = (policy: QuiescePolicy, old?: QuiescePolicy) => {
        if (old !== undefined && JSON.stringify(old.spec) === JSON.stringify(policy.spec)) return;
        for (const pod of concerned(policy.metadata.namespace)) pods.wake(keyOf(pod));
      };
      cache.policies.on("add", (p) => onPolicy(p));
      cache.policies.on("update", onPolicy);
      cache.policies.on("delete", (p) => onPolicy(p));
    },
    /** A new leader looks at every pod of a preferIdle policy, and at every cost the operator wrote. */
    resync(): void {
      for (const pod of concerned()) pods.add(keyOf(pod));
    },
  };
}
