// Pure: the conditions of a QuiescePolicy's status (Ready, Overlapping, PodsKept, PodsUngated), each keeping its
// lastTransitionTime while its status stays the same.
import type { Condition, QuiescePolicy } from "../../api/quiesce-policy.ts";

type Next = Omit<Condition, "lastTransitionTime" | "observedGeneration">;

function condition(previous: readonly Condition[] | undefined, next: Condition, now: Date): Condition {
  const old = previous?.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now.toISOString();
  return { ...next, lastTransitionTime };
}

/** A list of names for a message, at most 20 of them. */
const names = (list: readonly string[]) =>
  `${list.slice(0, 20).join(", ")}${list.length > 20 ? ", ..." : ""}`;

export function statusConditions(input: {
  policy: QuiescePolicy;
  previous: readonly Condition[] | undefined;
  now: Date;
  matched: number;
  /** Pods also selected by other policies, and the names of those policies. */
  overlapping: number;
  others: ReadonlySet<string>;
  kept: readonly string[];
  ungated: readonly string[];
}): Condition[] {
  const { policy, matched, others, kept, ungated } = input;
  const dryRun = policy.spec.mode === "DryRun";
  const ready: Next = {
    type: "Ready",
    status: "True",
    reason: dryRun ? "DryRun" : "Active",
    message: dryRun
      ? "reporting only: removals are not gated"
      : `gating removal of ${matched} pod${matched === 1 ? "" : "s"}`,
  };
  const overlapping: Next =
    others.size > 0
      ? {
          type: "Overlapping",
          status: "True",
          reason: "PodsSelectedByOtherPolicies",
          message: `${input.overlapping} pod(s) are also selected by ${[...others].sort().join(", ")}; the first policy by name governs their drains`,
        }
      : { type: "Overlapping", status: "False", reason: "NoOverlap", message: "" };
  // onTimeout: Keep leaves a pod NotReady and out of every count: name it, or nobody notices it is still there.
  const podsKept: Next =
    kept.length > 0
      ? {
          type: "PodsKept",
          status: "True",
          reason: "DrainTimedOutKept",
          message: `${kept.length} pod(s) kept NotReady after their drain timed out (onTimeout: Keep): ${names(kept)}; delete them when their work is done (the deletion gate lets them through)`,
        }
      : { type: "PodsKept", status: "False", reason: "NoneKept", message: "" };
  const podsUngated: Next =
    ungated.length > 0 && !dryRun
      ? {
          type: "PodsUngated",
          status: "True",
          reason: "CreatedWithoutReadinessGate",
          message: `${ungated.length} pod(s) have no quiesce.dev/serving readiness gate (created before this policy, or while the operator's webhook was unreachable): ${names(ungated)}; a drain cannot take them out of the endpoints first. Replace them (kubectl rollout restart) to gate them`,
        }
      : { type: "PodsUngated", status: "False", reason: "AllGated", message: "" };
  const observedGeneration = policy.metadata.generation;
  return [ready, overlapping, podsKept, podsUngated].map((c) =>
    condition(input.previous, { ...c, observedGeneration } as Condition, input.now),
  );
}
