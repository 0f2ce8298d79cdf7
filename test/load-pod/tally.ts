// Running totals of the load pod's requests: what /stats and /stop answer.
import type { RequestOutcome } from "../harness/traffic/outcome.ts";

export interface Tally {
  sent: number;
  ok: number;
  failed: number;
  inFlight: number;
  /** Requests resent once because their pooled keep-alive connection had been closed by the server. */
  retriedOnClosedConnection: number;
  failuresByReason: Record<string, number>;
  /** The first failures, for a readable test failure. */
  firstFailures: { path: string; failure: string; atMs: number }[];
  /** Which pod answered (the sample app names itself in its body), to prove traffic moved. */
  byPod: Record<string, number>;
}

export function emptyTally(): Tally {
  return {
    sent: 0,
    ok: 0,
    failed: 0,
    inFlight: 0,
    retriedOnClosedConnection: 0,
    failuresByReason: {},
    firstFailures: [],
    byPod: {},
  };
}

export function record(t: Tally, o: RequestOutcome): void {
  t.inFlight--;
  if (o.ok) {
    t.ok++;
    const pod = /"pod":"([^"]+)"/.exec(o.body ?? "")?.[1];
    if (pod) t.byPod[pod] = (t.byPod[pod] ?? 0) + 1;
    return;
  }
  t.failed++;
  const reason = o.failure ?? "unknown";
  t.failuresByReason[reason] = (t.failuresByReason[reason] ?? 0) + 1;
  if (t.firstFailures.length < 20) t.firstFailures.push({ path: o.path, failure: reason, atMs: o.start });
}
