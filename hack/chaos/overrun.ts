// Overrun and stuck-pod figures of drain records: time past the policy deadline the API server was up for, with
// the removals the operator held for the endpoints on purpose reported apart.
import type { DrainRecord } from "./drain-watch.ts";

/** The API server unavailable (stopped, then until it answered again), epoch ms. */
export interface Outage {
  from: number;
  to: number;
}

export interface OverrunSummary {
  drains: number;
  /**
   * Worst removal past its deadline, counted from the later of the deadline and the API server's return (outage
   * time after the deadline does not count), over the removals the operator did not hold for the endpoints.
   */
  maxOverrunSeconds: number;
  /** Removals the operator held past the deadline while a Service still routed to the pod, and the worst overrun. */
  heldRemovals: { count: number; maxSeconds: number };
  /** Drained pods whose removal waited for the app's refusals to stop (bounded by the deadline, so no overrun). */
  removalsAfterRefusals: number;
  /** Worst removal past its deadline, every removal, outage time included (the old headline figure). */
  rawMaxOverrunSeconds: number;
}

/** Seconds past the deadline a removed pod stayed, not counting outage time after the deadline; 0 when in time. */
export function overrunSeconds(r: DrainRecord, outages: readonly Outage[] = []): number {
  if (r.deadline === undefined || r.removedAt === undefined || r.removedAt <= r.deadline) return 0;
  const from = r.deadline;
  const to = r.removedAt;
  const down = outages.reduce((sum, o) => sum + Math.max(0, Math.min(o.to, to) - Math.max(o.from, from)), 0);
  return Math.max(0, to - from - down) / 1000;
}

/** When the pod must be gone at the latest: the deadline, one more timeout when held, plus `slackMs`. */
function latestRemoval(r: DrainRecord, slackMs: number): number | undefined {
  if (r.deadline === undefined) return undefined;
  return r.deadline + (r.heldAt === undefined ? 0 : r.timeoutMs) + slackMs;
}

/** A drain whose pod is still there `slackMs` after the latest removal its policy allows. */
export function isStuck(r: DrainRecord, now: number, slackMs: number): boolean {
  const latest = latestRemoval(r, slackMs);
  return latest !== undefined && r.removedAt === undefined && now > latest;
}

/** Until when to wait for these drains to end before counting stuck pods. */
export function settleBy(records: readonly DrainRecord[], slackMs: number): number {
  return Math.max(Date.now(), ...records.map((r) => latestRemoval(r, slackMs) ?? 0));
}

export function summarizeOverruns(
  records: readonly DrainRecord[],
  outages: readonly Outage[],
): OverrunSummary {
  const held = records.filter((r) => r.heldAt !== undefined);
  const notHeld = records.filter((r) => r.heldAt === undefined);
  return {
    drains: records.length,
    maxOverrunSeconds: Math.max(0, ...notHeld.map((r) => overrunSeconds(r, outages))),
    heldRemovals: {
      count: held.length,
      maxSeconds: Math.max(0, ...held.map((r) => overrunSeconds(r, outages))),
    },
    removalsAfterRefusals: records.filter((r) => r.refusalsSeen === true).length,
    rawMaxOverrunSeconds: Math.max(0, ...records.map((r) => overrunSeconds(r))),
  };
}
