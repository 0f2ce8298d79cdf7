// Per-pod quiesce status rows (state, in flight, time in state, ETA) from pods and policies, pure.
import type { V1Pod } from "@kubernetes/client-node";
import { isRemovalInProgress } from "../../api/drain-phases.ts";
import {
  DELETION_COST_ANNOTATION,
  type DrainPhase,
  fromAnnotations,
  SERVING_CONDITION,
} from "../../api/pod-annotations.ts";
import { governingPolicy } from "../../api/policy-match.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { removalDeadline } from "../../api/removal-deadline.ts";
import { EVIDENCE_ISSUE_TEXT, formatRate, trafficAfterLeaving } from "../../api/traffic-evidence.ts";

export interface PodStatusRow {
  namespace: string;
  pod: string;
  /** The policy recorded on the pod, else the first policy selecting it. */
  policy?: string;
  state: DrainPhase;
  ready: boolean;
  /** The serving gate (`quiesce.dev/serving`) condition; undefined when the pod has no gate. */
  serving?: boolean;
  inFlight?: number;
  reason?: string;
  outcome?: string;
  /** Epoch ms the pod entered its current state. */
  stateSince?: number;
  inStateMs?: number;
  /** Latest removal time: drain start + the policy's timeoutSeconds. */
  deadline?: number;
  etaMs?: number;
  /** A settling pod still counting new work after it left the endpoints: the load balancer lags. */
  trafficAfterLeaving?: { ratePerSecond: number; secondsSinceLeaving: number };
  /** What the drain waits for, in words, when it is more than its state says. */
  detail?: string;
  /** `controller.kubernetes.io/pod-deletion-cost` (kept in step with in-flight work by `scaleIn.preferIdle`). */
  deletionCost?: number;
}

const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type);
const epoch = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).getTime());

/** The pod's deletion cost, when it carries a valid one (an int32, as the ReplicaSet controller reads it). */
function deletionCostOf(pod: V1Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[DELETION_COST_ANNOTATION];
  if (raw === undefined || !/^-?\d{1,10}$/.test(raw.trim())) return undefined;
  const cost = Number(raw.trim());
  return cost >= -2147483648 && cost <= 2147483647 ? cost : undefined;
}

export function podStatusRow(pod: V1Pod, policies: readonly QuiescePolicy[], now: number): PodStatusRow {
  const state = fromAnnotations(pod.metadata?.annotations);
  const namespace = pod.metadata?.namespace ?? "";
  const policy = governingPolicy(pod, policies);
  const gate = condition(pod, SERVING_CONDITION);
  const serving = gate === undefined ? undefined : gate.status === "True";
  // Serving pods carry no phase timestamp: they have served since the gate (or the pod) came up.
  const stateSince =
    state.phaseEnteredAt ??
    (state.phase === "Serving"
      ? (epoch(gate?.lastTransitionTime) ?? epoch(pod.metadata?.creationTimestamp))
      : undefined);
  const start = state.startedAt ?? state.requestedAt;
  const deadline =
    isRemovalInProgress(state.phase) && policy !== undefined
      ? removalDeadline(state, policy.spec.drain.timeoutSeconds, start)
      : undefined;
  const traffic = trafficAfterLeaving(state, now);
  const deletionCost = deletionCostOf(pod);
  return {
    ...(traffic ? { trafficAfterLeaving: traffic } : {}),
    ...(deletionCost === undefined ? {} : { deletionCost }),
    ...detailOf(state, traffic),
    namespace,
    pod: pod.metadata?.name ?? "",
    policy: state.policy ?? policy?.metadata.name,
    state: state.phase,
    ready: condition(pod, "Ready")?.status === "True",
    serving,
    inFlight: state.inFlight,
    reason: state.reason,
    outcome: state.outcome,
    stateSince,
    inStateMs: stateSince === undefined ? undefined : Math.max(0, now - stateSince),
    deadline,
    etaMs: deadline === undefined ? undefined : Math.max(0, deadline - now),
  };
}

function detailOf(
  state: ReturnType<typeof fromAnnotations>,
  traffic: PodStatusRow["trafficAfterLeaving"],
): { detail?: string } {
  if (traffic) {
    const rate = formatRate(traffic.ratePerSecond);
    return {
      detail: `waiting for traffic to stop: ${rate}, ${traffic.secondsSinceLeaving} s after leaving the endpoints`,
    };
  }
  if (state.phase === "Draining" && state.inFlight === 0 && state.lastRefusedAt !== undefined) {
    return {
      detail: "drained; removal waits while the app still refuses new work (a load balancer still sends)",
    };
  }
  if (state.phase === "Settling" && state.evidenceIssue !== undefined) {
    return { detail: `settling on the timer: ${EVIDENCE_ISSUE_TEXT[state.evidenceIssue]}` };
  }
  return {};
}

/** Rows sorted by namespace, then pod name. */
export function podStatusRows(
  pods: readonly V1Pod[],
  policies: readonly QuiescePolicy[],
  now: number,
): PodStatusRow[] {
  return pods
    .map((p) => podStatusRow(p, policies, now))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
}
