// Pure: a QuiescePolicy's status from the pods and Deployments it selects (counts, active drains, rollouts, conditions).
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { isOperatorActing } from "../../api/drain-phases.ts";
import { selectorMatches } from "../../api/label-selector.ts";
import {
  drainStateOf,
  hasServingGate,
  isQuiescingNow,
  isServing,
  isTerminating,
} from "../../api/pod-view.ts";
import { selectingPolicies } from "../../api/policy-match.ts";
import type { QuiescePolicy, QuiescePolicyStatus } from "../../api/quiesce-policy.ts";
import { statusConditions } from "./status-conditions.ts";

export interface StatusInput {
  policy: QuiescePolicy;
  /** Every policy of the namespace, to report overlaps. */
  policies: readonly QuiescePolicy[];
  pods: readonly V1Pod[];
  deployments: readonly V1Deployment[];
  /** Drains finished since the status was last written, to add to its counters. */
  finished: { completed: number; timedOut: number };
  now: Date;
}

export function computeStatus(input: StatusInput): QuiescePolicyStatus {
  const { policy, now } = input;
  const generation = policy.metadata.generation;
  const selected = input.pods.filter((p) => selectorMatches(policy.spec.selector, p.metadata?.labels));
  const matched = selected.filter((p) => !isTerminating(p));
  const overlapping = matched.filter((p) => selectingPolicies(p, input.policies).length > 1);
  const others = new Set(
    overlapping.flatMap((p) => selectingPolicies(p, input.policies).map((q) => q.metadata.name)),
  );
  others.delete(policy.metadata.name);
  const active = activeDrains(selected, now);
  const rollouts = rolloutsOf(policy, input.deployments);
  // onTimeout: Keep leaves a pod NotReady and out of every count: name it, or nobody notices it is still there.
  const kept = matched
    .filter((p) => {
      const state = drainStateOf(p);
      return state.phase === "TimedOut" && state.outcome === "Kept";
    })
    .map((p) => p.metadata?.name ?? "")
    .sort();
  // Created before the policy, or while no operator answered the mutating webhook (it fails open): such a pod has
  // no readiness gate, so a drain cannot take it out of the endpoints before it asks the app to refuse work.
  const ungated = matched
    .filter((p) => !hasServingGate(p) && drainStateOf(p).phase === "Serving")
    .map((p) => p.metadata?.name ?? "")
    .sort();
  const previous = policy.status?.conditions;
  const drains = policy.status?.drains ?? { completed: 0, timedOut: 0 };
  return {
    observedGeneration: generation,
    conditions: statusConditions({
      policy,
      previous,
      now,
      matched: matched.length,
      overlapping: overlapping.length,
      others,
      kept,
      ungated,
    }),
    pods: {
      matched: matched.length,
      serving: matched.filter(isServing).length,
      quiescing: matched.filter(isQuiescingNow).length,
    },
    drains: {
      completed: drains.completed + input.finished.completed,
      timedOut: drains.timedOut + input.finished.timedOut,
    },
    active,
    rollouts,
  };
}

/** The drains the operator is working on among the policy's pods (terminating ones too), by pod name. */
function activeDrains(selected: readonly V1Pod[], now: Date): QuiescePolicyStatus["active"] {
  return selected
    .flatMap((p) => {
      const state = drainStateOf(p);
      if (!isOperatorActing(state.phase)) return [];
      const since = state.startedAt ?? state.requestedAt ?? state.phaseEnteredAt ?? now.getTime();
      return [
        {
          pod: p.metadata?.name ?? "",
          since: new Date(since).toISOString(),
          inFlight: state.inFlight,
          phase: state.phase,
        },
      ];
    })
    .sort((a, b) => a.pod.localeCompare(b.pod));
}

/** The rollout progress of the Deployments whose pod template the policy selects. */
function rolloutsOf(
  policy: QuiescePolicy,
  deployments: readonly V1Deployment[],
): QuiescePolicyStatus["rollouts"] {
  return deployments
    .filter((d) => selectorMatches(policy.spec.selector, d.spec?.template.metadata?.labels))
    .map((d) => ({
      name: d.metadata?.name ?? "",
      updated: d.status?.updatedReplicas ?? 0,
      ready: d.status?.readyReplicas ?? 0,
      total: d.spec?.replicas ?? 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
