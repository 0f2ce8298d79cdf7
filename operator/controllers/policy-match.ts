// Which QuiescePolicies select a pod, and which one governs its drain (the one recorded on it, else first by name).
import type { V1Pod } from "@kubernetes/client-node";
import { selectorMatches } from "../api/label-selector.ts";
import { ANNOTATIONS } from "../api/pod-annotations.ts";
import type { QuiescePolicy } from "../api/quiesce-policy.ts";

export function selectingPolicies<P extends QuiescePolicy>(pod: V1Pod, policies: readonly P[]): P[] {
  const namespace = pod.metadata?.namespace;
  return policies
    .filter(
      (p) => p.metadata.namespace === namespace && selectorMatches(p.spec.selector, pod.metadata?.labels),
    )
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

export function governingPolicy<P extends QuiescePolicy>(pod: V1Pod, policies: readonly P[]): P | undefined {
  const recorded = pod.metadata?.annotations?.[ANNOTATIONS.policy];
  const namespace = pod.metadata?.namespace;
  if (recorded) {
    const found = policies.find((p) => p.metadata.namespace === namespace && p.metadata.name === recorded);
    if (found) return found;
  }
  return selectingPolicies(pod, policies)[0];
}
