// What wakes the policy status controller: its policies, the pods they select, Deployments, and a new leader.
import type { V1Pod } from "@kubernetes/client-node";
import { keyOf, type ObjectKey } from "../../api/object-key.ts";
import { selectingPolicies } from "../../api/policy-match.ts";
import type { ClusterCache } from "../../kube/cache.ts";

export function policyTriggers(cache: ClusterCache, policies: { add(key: ObjectKey): void }) {
  const onPolicy = (p: { metadata: { namespace: string; name: string } }) => policies.add(keyOf(p));
  return {
    watch(): void {
      const onPod = (pod: V1Pod) => {
        for (const p of selectingPolicies(pod, cache.policies.list(pod.metadata?.namespace))) onPolicy(p);
      };
      cache.pods.on("add", onPod);
      cache.pods.on("update", onPod);
      cache.pods.on("delete", onPod);
      cache.policies.on("add", onPolicy);
      cache.policies.on("update", onPolicy);
      // Rollout progress in the status follows the Deployments.
      cache.deployments.on("update", (d) => {
        for (const p of cache.policies.list(d.metadata?.namespace)) onPolicy(p);
      });
    },
    /** A new leader refreshes every policy's status. */
    resync(): void {
      for (const p of cache.policies.list()) onPolicy(p);
    },
  };
}
