// What a drain state says about traffic still arriving at a pod: one rule for the state machine and the plugin.
import type { DrainState } from "./pod-annotations.ts";

/** Why the app's `accepted` counter gave no evidence at a reading (kept on the pod, one Event per cause). */
export const EVIDENCE_ISSUES = ["went-down", "jumped", "unusable"] as const;
export type EvidenceIssue = (typeof EVIDENCE_ISSUES)[number];

export const EVIDENCE_ISSUE_TEXT: Record<EvidenceIssue, string> = {
  "went-down": "the app's accepted counter went down (a restart?)",
  jumped: "the app's accepted counter jumped",
  unusable: "the app's accepted counter is missing or not a count",
};

/** The arrival evidence of a removal, dropped (a state that starts over, or a counter that gave none). */
export const NO_ARRIVAL_EVIDENCE = {
  firstAccepted: undefined,
  firstAcceptedAt: undefined,
  lastAccepted: undefined,
  lastAcceptedAt: undefined,
} as const satisfies Partial<DrainState>;

/** Mean arrivals per second since the first reading of the removal; undefined without any. */
export function arrivalRate(state: DrainState): number | undefined {
  const { firstAccepted, firstAcceptedAt, lastAccepted, lastAcceptedAt } = state;
  if (firstAccepted === undefined || firstAcceptedAt === undefined) return undefined;
  if (lastAccepted === undefined || lastAcceptedAt === undefined) return undefined;
  const arrivals = lastAccepted - firstAccepted;
  const span = lastAcceptedAt - firstAcceptedAt;
  if (!(arrivals > 0) || !(span > 0)) return undefined;
  return (arrivals * 1000) / span;
}

/** `14 req/s`, `0.3 req/s`: the rate as Events, logs and the plugin print it. */
export function formatRate(perSecond: number): string {
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)} req/s`;
}

/** A settling pod that still counts new work after it left the endpoints (a load balancer lags), or undefined. */
export function trafficAfterLeaving(
  state: DrainState,
  now: number,
): { ratePerSecond: number; secondsSinceLeaving: number } | undefined {
  const { phase, leftEndpointsAt, lastAcceptedAt } = state;
  if (phase !== "Settling" || leftEndpointsAt === undefined || lastAcceptedAt === undefined) return undefined;
  if (lastAcceptedAt <= leftEndpointsAt) return undefined;
  const rate = arrivalRate(state);
  if (rate === undefined) return undefined;
  return {
    ratePerSecond: rate,
    secondsSinceLeaving: Math.max(0, Math.floor((now - leftEndpointsAt) / 1000)),
  };
}
