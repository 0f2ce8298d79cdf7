// Pod CREATE mutation, pure: the quiesce.dev/serving readiness gate (and optionally a preStop sleep) as a JSONPatch.

import { SERVING_CONDITION } from "../api/pod-annotations.ts";
import type { PodView } from "../api/pod-view.ts";
import { enforcingPolicies, type PolicyView } from "../api/policy-match.ts";
import { DEFAULTS } from "../api/quiesce-policy.ts";

/** Kubernetes' default `terminationGracePeriodSeconds`. */
const DEFAULT_GRACE_SECONDS = 30;

export interface JsonPatchAdd {
  op: "add";
  path: string;
  value: unknown;
}

export interface PodMutation {
  /** Empty when nothing is to change; the handler then answers without a patch. */
  patch: JsonPatchAdd[];
  /** Enforce policies selecting the pod, sorted by name. More than one is an overlap the controller reports. */
  enforcing: PolicyView[];
}

function gatePatch(pod: PodView): JsonPatchAdd[] {
  const gates = pod.spec?.readinessGates;
  if (gates?.some((g) => g.conditionType === SERVING_CONDITION)) return [];
  const gate = { conditionType: SERVING_CONDITION };
  return gates
    ? [{ op: "add", path: "/spec/readinessGates/-", value: gate }]
    : [{ op: "add", path: "/spec/readinessGates", value: [gate] }];
}

/*
 * Why a preStop *sleep* and not the httpGet of DESIGN §3: a preStop httpGet can only GET, and GET on the quiesce
 * endpoint reads the status without starting a quiesce (POST does), so it would protect nothing. What a preStop
 * can do for removal paths admission never sees (kubelet eviction, node shutdown, webhook down) is hold SIGTERM
 * back while endpoint removal propagates to load balancers: a sleep of `settleSeconds`, the same bound the drain
 * uses for that wait. The sleep is kept below the pod's grace period so the app still gets time after SIGTERM.
 */
function preStopSeconds(pod: PodView, enforcing: readonly PolicyView[]): number {
  const settle = Math.max(
    0,
    ...enforcing
      .filter((p) => p.spec.drain.injectPreStop === true)
      .map((p) => p.spec.drain.settleSeconds ?? DEFAULTS.settleSeconds),
  );
  const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  return Math.min(settle, grace - 1);
}

function preStopPatch(pod: PodView, seconds: number): JsonPatchAdd[] {
  if (seconds < 1) return [];
  const preStop = { sleep: { seconds } };
  const ops: JsonPatchAdd[] = [];
  for (const [i, container] of (pod.spec?.containers ?? []).entries()) {
    if (container.lifecycle?.preStop) continue; // never replace the app's own hook
    ops.push(
      container.lifecycle
        ? { op: "add", path: `/spec/containers/${i}/lifecycle/preStop`, value: preStop }
        : { op: "add", path: `/spec/containers/${i}/lifecycle`, value: { preStop } },
    );
  }
  return ops;
}

/**
 * The mutation for a pod being created, given the QuiescePolicies of its namespace (the pod's own
 * `metadata.namespace` and `name` may be empty at CREATE, so they are not consulted).
 * - DryRun policies inject nothing: DryRun gates nothing, and a gate would make the pod's readiness depend on us.
 * - Two or more Enforce policies selecting the pod still get the gate: it is harmless (one condition, one
 *   controller), and refusing it would leave the pod ungated. The overlap is returned and reported by the
 *   controller as a condition on both policies, never resolved here.
 * - Idempotent (the webhook is reinvoked after other mutating webhooks): a present gate or preStop is kept.
 */
export function mutatePod(pod: PodView, policies: readonly PolicyView[]): PodMutation {
  const enforcing = enforcingPolicies(pod, policies);
  if (enforcing.length === 0) return { patch: [], enforcing };
  return { patch: [...gatePatch(pod), ...preStopPatch(pod, preStopSeconds(pod, enforcing))], enforcing };
}
