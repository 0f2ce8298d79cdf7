// Pure: what the app's `accepted` counter says about traffic during a removal. The settle ends on evidence (the
// counter has stood still long enough for its own arrival rate), not on a timer, when the app gives evidence.
import type { DrainState } from "../../api/pod-annotations.ts";
import type { ProbeResult } from "./observation.ts";

/** How many mean inter-arrival times the counter must stand still: a Poisson stream is quiet that long ~5% of the time. */
export const QUIET_INTER_ARRIVALS = 3;

/**
 * The state with this reading of the counter: the first reading of the removal starts the evidence, a change moves
 * its last change. A counter that went down (the app restarted) starts the evidence over.
 */
export function withReading(state: DrainState, probe: ProbeResult | undefined, now: number): DrainState {
  if (!probe?.ok) return state;
  const accepted = probe.status.accepted;
  const restarted = state.lastAccepted !== undefined && accepted < state.lastAccepted;
  if (state.firstAccepted === undefined || state.firstAcceptedAt === undefined || restarted) {
    return {
      ...state,
      firstAccepted: accepted,
      firstAcceptedAt: now,
      lastAccepted: accepted,
      lastAcceptedAt: now,
    };
  }
  if (accepted === state.lastAccepted && state.lastAcceptedAt !== undefined) return state;
  return { ...state, lastAccepted: accepted, lastAcceptedAt: now };
}

/**
 * How long the counter must stand still before traffic counts as stopped: a few mean inter-arrival times of what
 * arrived since the first reading, at least one poll interval and at most `boundMs`. Undefined when nothing arrived
 * since the first reading: there is no rate to judge by, and the settle falls back to its timer.
 */
export function quietNeededMs(state: DrainState, pollMs: number, boundMs: number): number | undefined {
  const { firstAccepted, firstAcceptedAt, lastAccepted, lastAcceptedAt } = state;
  if (firstAccepted === undefined || firstAcceptedAt === undefined) return undefined;
  if (lastAccepted === undefined || lastAcceptedAt === undefined) return undefined;
  const arrivals = lastAccepted - firstAccepted;
  const span = lastAcceptedAt - firstAcceptedAt;
  if (!(arrivals > 0) || !(span > 0)) return undefined;
  const meanInterArrival = span / arrivals;
  return Math.max(pollMs, Math.min(boundMs, QUIET_INTER_ARRIVALS * meanInterArrival));
}
