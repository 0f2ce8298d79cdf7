// Pure: what the app's counters say about traffic during a removal. The settle ends on evidence (`accepted` has stood
// still long enough for its own arrival rate) and a drained pod's deletion waits while `refused` still rises.
import type { DrainState } from "../../api/pod-annotations.ts";
import { arrivalRate, type EvidenceIssue, NO_ARRIVAL_EVIDENCE } from "../../api/traffic-evidence.ts";
import type { ProbeResult } from "./observation.ts";
import { type DrainEvent, event } from "./step-result.ts";

/**
 * How many mean inter-arrival times the counter must stand still. A Poisson stream is quiet that long after 0.7% of
 * its arrivals (3 times: 5%); closed-loop clients busy with long requests, and pooled connections a load balancer
 * still pins to the pod, make lulls far likelier than that, and each false quiet quiesces a pod into live traffic.
 */
export const QUIET_INTER_ARRIVALS = 5;
/** A rise faster than this per second is no count of requests but a jump (a counter restarted from another base). */
export const MAX_ARRIVALS_PER_SECOND = 1_000_000;

/** A reading's evidence: the state with it, and the Event that says the counter gave none (once per cause). */
export interface Reading {
  state: DrainState;
  events: DrainEvent[];
}

/**
 * The state with this reading of `accepted`: the first reading of the removal starts the evidence, a change moves
 * its last change. A counter that went down (the app restarted) or jumped starts the evidence over from this
 * reading; an unusable one drops it. Either way the settle falls back to its timer until new arrivals are counted.
 */
export function withReading(state: DrainState, probe: ProbeResult | undefined, now: number): Reading {
  if (!probe?.ok) return { state, events: [] };
  const accepted = probe.status.accepted;
  const last = state.lastAccepted;
  if (accepted === undefined) {
    const why = probe.status.counterIssue ?? "accepted is missing";
    return noEvidence(
      { ...state, ...NO_ARRIVAL_EVIDENCE },
      "unusable",
      `the app's accepted counter is unusable (${why})`,
    );
  }
  const restart = { ...state, firstAccepted: accepted, firstAcceptedAt: now, lastAccepted: accepted };
  const started = { ...restart, lastAcceptedAt: now };
  if (last !== undefined && accepted < last) {
    return noEvidence(
      started,
      "went-down",
      `the app's accepted counter went down (${last} -> ${accepted}: did it restart?)`,
    );
  }
  const windowMs = Math.max(1000, now - (state.lastAcceptedAt ?? now));
  if (last !== undefined && accepted - last > (MAX_ARRIVALS_PER_SECOND * windowMs) / 1000) {
    const jump = `jumped by ${accepted - last} in ${(windowMs / 1000).toFixed(1)}s`;
    const message = `the app's accepted counter ${jump}, more than ${MAX_ARRIVALS_PER_SECOND}/s`;
    return noEvidence(started, "jumped", message);
  }
  if (state.firstAccepted === undefined || state.firstAcceptedAt === undefined || last === undefined) {
    return { state: started, events: [] };
  }
  if (accepted === last && state.lastAcceptedAt !== undefined) return { state, events: [] };
  return { state: { ...state, lastAccepted: accepted, lastAcceptedAt: now }, events: [] };
}

/** One Event per cause (the counts in a message change with every reading of a falling counter). */
function noEvidence(state: DrainState, cause: EvidenceIssue, issue: string): Reading {
  const events =
    state.evidenceIssue === cause
      ? []
      : [
          event(
            "Warning",
            "SettleOnTimer",
            `${issue}; the settle falls back to the settleSeconds timer until new arrivals are counted`,
          ),
        ];
  return { state: { ...state, evidenceIssue: cause }, events };
}

/**
 * How long the counter must stand still before traffic counts as stopped: a few mean inter-arrival times of what
 * arrived since the first reading, at least one poll interval and at most `boundMs`. Undefined when nothing arrived
 * since the first reading: there is no rate to judge by, and the settle falls back to its timer.
 */
export function quietNeededMs(state: DrainState, pollMs: number, boundMs: number): number | undefined {
  const rate = arrivalRate(state);
  if (rate === undefined) return undefined;
  return Math.max(pollMs, Math.min(boundMs, (QUIET_INTER_ARRIVALS * 1000) / rate));
}

/**
 * The state with this reading of `refused` (after the quiesce): the first reading is the baseline, a rise moves
 * `lastRefusedAt`, a counter that went down is a new baseline. Apps without the field leave the state as it is.
 */
export function withRefusals(state: DrainState, probe: ProbeResult | undefined, now: number): Reading {
  const refused = probe?.ok ? probe.status.refused : undefined;
  if (refused === undefined) return { state, events: [] };
  const last = state.lastRefused;
  if (last === undefined || refused < last) return { state: { ...state, lastRefused: refused }, events: [] };
  if (refused === last) return { state, events: [] };
  const next = { ...state, lastRefused: refused, lastRefusedAt: now };
  if (state.lastRefusedAt !== undefined) return { state: next, events: [] };
  const message = `the app refused ${refused - last} new request(s) after its quiesce: a load balancer still sends here; the pod is removed once refusals stop, at the latest at the drain deadline`;
  return { state: next, events: [event("Warning", "TrafficStillArriving", message)] };
}

/**
 * Whether the settle ended because the counter had stood still long enough for its rate (at `at`, the quiesce),
 * rather than on the timer or the bound, which may quiesce into traffic that still arrives.
 */
export function settledOnQuiet(state: DrainState, at: number, pollMs: number, boundMs: number): boolean {
  const needed = quietNeededMs(state, pollMs, boundMs);
  if (needed === undefined || state.lastAcceptedAt === undefined) return false;
  return at - quietSince(state, state.leftEndpointsAt ?? 0, at) >= needed;
}

/** Quiet counts from the last arrival, but never from before the pod left the endpoints (`leftAt`). */
export function quietSince(state: DrainState, leftAt: number, now: number): number {
  return Math.max(state.lastAcceptedAt ?? now, leftAt);
}

/** Until when a drained pod's removal waits because refusals still rose; undefined when none did. */
export function refusalsQuietAt(state: DrainState, pollMs: number, boundMs: number): number | undefined {
  if (state.lastRefusedAt === undefined) return undefined;
  return state.lastRefusedAt + (quietNeededMs(state, pollMs, boundMs) ?? pollMs);
}
