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
import type { Condition, QuiescePolicy, QuiescePolicyStatus } from "../../api/quiesce-policy.ts";

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

function condition(
  previous: readonly Condition[] | undefined,
  next: Omit<Condition, "lastTransitionTime">,
  now: Date,
): Condition {
  const old = previous?.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now.toISOString();
  return { ...next, lastTransitionTime };
}

export function computeStatus(input: StatusInput): QuiescePolicyStatus {
  const { policy, now } = input;
  const generation = policy.metadata.generation;
  const matched = input.pods.filter(
    (p) => !isTerminating(p) && selectorMatches(policy.spec.selector, p.metadata?.labels),
  );
  const overlapping = matched.filter((p) => selectingPolicies(p, input.policies).length > 1);
  const others = new Set(
    overlapping.flatMap((p) => selectingPolicies(p, input.policies).map((q) => q.metadata.name)),
  );
  others.delete(policy.metadata.name);
  const active = input.pods
    .filter((p) => selectorMatches(policy.spec.selector, p.metadata?.labels))
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
  const rollouts = input.deployments
    .filter((d) => selectorMatches(policy.spec.selector, d.spec?.template.metadata?.labels))
    .map((d) => ({
      name: d.metadata?.name ?? "",
      updated: d.status?.updatedReplicas ?? 0,
      ready: d.status?.readyReplicas ?? 0,
      total: d.spec?.replicas ?? 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
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
  const dryRun = policy.spec.mode === "DryRun";
  return {
    observedGeneration: generation,
    conditions: [
      condition(
        previous,
        {
          type: "Ready",
          status: "True",
          reason: dryRun ? "DryRun" : "Active",
          message: dryRun
            ? "reporting only: removals are not gated"
            : `gating removal of ${matched.length} pod${matched.length === 1 ? "" : "s"}`,
          observedGeneration: generation,
        },
        now,
      ),
      condition(
        previous,
        others.size > 0
          ? {
              type: "Overlapping",
              status: "True",
              reason: "PodsSelectedByOtherPolicies",
              message: `${overlapping.length} pod(s) are also selected by ${[...others].sort().join(", ")}; the first policy by name governs their drains`,
              observedGeneration: generation,
            }
          : {
              type: "Overlapping",
              status: "False",
              reason: "NoOverlap",
              message: "",
              observedGeneration: generation,
            },
        now,
      ),
      condition(
        previous,
        kept.length > 0
          ? {
              type: "PodsKept",
              status: "True",
              reason: "DrainTimedOutKept",
              message: `${kept.length} pod(s) kept NotReady after their drain timed out (onTimeout: Keep): ${kept.slice(0, 20).join(", ")}${kept.length > 20 ? ", ..." : ""}; delete them when their work is done (the deletion gate lets them through)`,
              observedGeneration: generation,
            }
          : {
              type: "PodsKept",
              status: "False",
              reason: "NoneKept",
              message: "",
              observedGeneration: generation,
            },
        now,
      ),
      condition(
        previous,
        ungated.length > 0 && !dryRun
          ? {
              type: "PodsUngated",
              status: "True",
              reason: "CreatedWithoutReadinessGate",
              message: `${ungated.length} pod(s) have no quiesce.dev/serving readiness gate (created before this policy, or while the operator's webhook was unreachable): ${ungated.slice(0, 20).join(", ")}${ungated.length > 20 ? ", ..." : ""}; a drain cannot take them out of the endpoints first. Replace them (kubectl rollout restart) to gate them`,
              observedGeneration: generation,
            }
          : {
              type: "PodsUngated",
              status: "False",
              reason: "AllGated",
              message: "",
              observedGeneration: generation,
            },
        now,
      ),
    ],
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
