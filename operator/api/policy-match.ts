// Which QuiescePolicies select a pod, and the one rule for which of them governs its drain.
import { type LabelSelector, selectorMatches } from "./label-selector.ts";
import { ANNOTATIONS } from "./pod-annotations.ts";
import type { PodView } from "./pod-view.ts";

/** Structural: the API's QuiescePolicy and the webhooks' test fixtures both satisfy it. */
export interface PolicyView {
  metadata?: { name?: string; namespace?: string };
  spec: {
    selector: LabelSelector;
    mode?: string;
    drain: {
      timeoutSeconds: number;
      settleSeconds?: number;
      onTimeout?: string;
      injectPreStop?: boolean;
    };
  };
}

/** Mode a policy runs in; anything but an explicit DryRun enforces (the API defaults `mode` to Enforce). */
export function isDryRun(policy: PolicyView): boolean {
  return policy.spec.mode === "DryRun";
}

export function policyKey(policy: PolicyView): string {
  return `${policy.metadata?.namespace ?? ""}/${policy.metadata?.name ?? ""}`;
}

/** Policies sorted by name, so every decision that has to pick one picks the same one. */
export function sortPolicies<P extends PolicyView>(policies: readonly P[]): P[] {
  return [...policies].sort((a, b) => policyKey(a).localeCompare(policyKey(b)));
}

/** The policies of the pod's namespace whose selector matches its labels, sorted by name. */
export function selectingPolicies<P extends PolicyView>(pod: PodView, policies: readonly P[]): P[] {
  const namespace = pod.metadata?.namespace;
  return sortPolicies(
    policies.filter(
      (p) =>
        (p.metadata?.namespace === undefined || namespace == null || p.metadata.namespace === namespace) &&
        selectorMatches(p.spec.selector, pod.metadata?.labels),
    ),
  );
}

/** Enforce-mode policies selecting the pod, sorted by name. More than one is an overlap the policy status reports. */
export function enforcingPolicies<P extends PolicyView>(pod: PodView, policies: readonly P[]): P[] {
  return selectingPolicies(pod, policies).filter((p) => !isDryRun(p));
}

/**
 * The policy that governs the pod's drain, for the deletion gate, the controllers and the plugin alike: Enforce
 * policies win over DryRun ones; among them the one recorded on the pod (a drain stays with the policy that
 * started it while that policy still selects the pod), else the first by name.
 */
export function governingPolicy<P extends PolicyView>(pod: PodView, policies: readonly P[]): P | undefined {
  const selecting = selectingPolicies(pod, policies);
  const enforcing = selecting.filter((p) => !isDryRun(p));
  const candidates = enforcing.length > 0 ? enforcing : selecting;
  const recorded = pod.metadata?.annotations?.[ANNOTATIONS.policy];
  return candidates.find((p) => recorded !== undefined && p.metadata?.name === recorded) ?? candidates[0];
}
