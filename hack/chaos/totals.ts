// The headline of chaos.json: totals over the production-like faults and whether they meet the targets (0 failed,
// 0 stuck, overrun within 2 poll intervals + 2 s, over at least 20 faulted rollouts).
import type { FaultResult } from "./faults.ts";

export const MIN_FAULTED_ROLLOUTS = 20;

export function totals(results: readonly FaultResult[], pollSeconds: number) {
  const sum = (f: (r: FaultResult) => number) => results.reduce((a, r) => a + f(r), 0);
  const max = (f: (r: FaultResult) => number) => Math.max(0, ...results.map(f));
  const overrunTargetSeconds = 2 * pollSeconds + 2;
  const t = {
    runs: sum((r) => r.rollouts),
    faultedRollouts: sum((r) => r.faultedRollouts),
    completedRuns: sum((r) => r.completedRollouts),
    requests: sum((r) => r.requests),
    failed: sum((r) => r.failed),
    /** Failed requests to a pod whose process the fault killed (not counted in `failed`). */
    failedAppDown: sum((r) => r.failedAppDown),
    stuckPods: sum((r) => r.stuckPods),
    drains: sum((r) => r.drains),
    /** From the later of the deadline and the API server's return; removals held for the endpoints excluded. */
    maxOverrunSeconds: max((r) => r.maxOverrunSeconds),
    /** Removals the operator held past the deadline while a Service still routed to the pod. */
    heldRemovals: {
      count: sum((r) => r.heldRemovals.count),
      maxSeconds: max((r) => r.heldRemovals.maxSeconds),
    },
    removalsAfterRefusals: sum((r) => r.removalsAfterRefusals),
    /** Every removal from its deadline, outage time included (how the old headline counted). */
    rawMaxOverrunSeconds: max((r) => r.rawMaxOverrunSeconds),
    overrunTargetSeconds,
  };
  const targets = {
    noFailed: t.failed === 0,
    noStuck: t.stuckPods === 0,
    overrunWithinTarget: t.maxOverrunSeconds <= overrunTargetSeconds,
    enoughFaultedRollouts: t.faultedRollouts >= MIN_FAULTED_ROLLOUTS,
  };
  return { ...t, targets: { ...targets, met: Object.values(targets).every(Boolean) } };
}
