// Requested: the removal waits for the budget, then the drain starts (NotReady); and DryRun's report instead.
import type { DrainState } from "../../api/pod-annotations.ts";
import { withReading } from "./arrival-evidence.ts";
import { backToServing, interrupted, isReversal, reversalCause } from "./drain-endings.ts";
import { type Decision, event, holdNotReady, type StepContext } from "./step-result.ts";

export function requested(ctx: StepContext): Decision {
  const { state, obs, now, policy, timing } = ctx;
  if (obs.pod === "terminating") return policy.mode === "DryRun" ? dryRunReport(ctx) : interrupted(ctx);
  if (policy.mode === "DryRun") return dryRunReport(ctx);
  if (isReversal(ctx)) {
    return backToServing(
      ctx,
      "Unquiesced",
      `${reversalCause(ctx)} before the quiesce started; pod keeps serving`,
    );
  }
  // Maintenance takes every pod out of service on purpose: the budget does not apply.
  const budget = state.reason === "maintenance" ? { allowed: true, message: "maintenance" } : obs.budget;
  if (!budget) return { state, requeueMs: timing.pollMs };
  if (!budget.allowed) {
    return {
      state: { ...state, refusal: budget.message },
      events: state.refusal !== budget.message ? [event("Warning", "QuiesceRefused", budget.message)] : [],
      requeueMs: timing.pollMs,
    };
  }
  // The first reading of the counter, taken while the pod still served, starts the arrival evidence.
  const settling: DrainState = {
    phase: "Settling",
    policy: state.policy,
    reason: state.reason,
    via: state.via,
    requestedAt: state.requestedAt,
    startedAt: now,
    phaseEnteredAt: now,
  };
  const reading = withReading(settling, obs.probe?.result, now);
  const deadline = new Date(now + timing.timeoutMs).toISOString();
  const settle = timing.settleMs / 1000;
  const wait = policy.endpoint
    ? `waiting up to ${settle}s for traffic to stop, then quiescing`
    : `no endpoint: waiting ${settle}s for traffic to stop`;
  return {
    state: reading.state,
    serving: holdNotReady(ctx),
    events: [
      event(
        "Normal",
        "QuiesceStarted",
        `quiesce started (${state.reason ?? "removal"}): NotReady, ${wait}; removed when drained or by ${deadline}`,
      ),
      ...reading.events,
    ],
    requeueMs: Math.min(timing.pollMs, timing.settleMs),
    started: true,
  };
}

/** DryRun: no drain; an Event says what a drain would have done, once per removal. */
export function dryRunReport(ctx: StepContext): Decision {
  const { policy, obs, timing } = ctx;
  const settle = timing.settleMs / 1000;
  let plan: string;
  if (!policy.endpoint) plan = `mark NotReady, wait ${settle}s for traffic to stop, then remove the pod`;
  else {
    const probe = obs.probe?.result;
    const work = !probe
      ? "its in-flight work"
      : probe.ok
        ? `${probe.status.inFlight} in flight`
        : `its in-flight work (endpoint error: ${probe.kind}: ${probe.message})`;
    plan = `mark NotReady, wait up to ${settle}s for traffic to stop, POST ${policy.endpoint.path}, wait for ${work} (at most ${policy.drain.timeoutSeconds}s), then remove the pod`;
  }
  return {
    state: { phase: "Serving", policy: ctx.state.policy, reason: ctx.state.reason, outcome: "DryRun" },
    events: [event("Normal", "DryRun", `DryRun: a drain would ${plan}`)],
  };
}
