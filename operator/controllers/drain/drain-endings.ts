// How drains end: drained or timed out (then removal), interrupted, or reversed back to serving (unquiesce).
import type { DrainState } from "../../api/pod-annotations.ts";
import type { ProbeResult } from "./observation.ts";
import {
  type Decision,
  type DrainEvent,
  event,
  holdNotReady,
  lastErrorText,
  pollAgain,
  type StepContext,
  withoutProgress,
} from "./step-result.ts";

/** The removal no longer stands: a rollout undone (the pod is current again) or maintenance lifted. */
export function isReversal(ctx: StepContext): boolean {
  if (ctx.state.reason === "maintenance") return ctx.obs.maintenance === false;
  return ctx.state.reason === "rollout" && ctx.obs.revisionIsCurrent === true;
}

export function reversalCause(ctx: StepContext): string {
  return ctx.state.reason === "maintenance"
    ? "maintenance lifted"
    : "rollout undone: pod belongs to the current revision again";
}

/** A reversed drain whose app was asked to quiesce: ask it to unquiesce before serving again. */
export function toUnquiescing(ctx: StepContext): Decision {
  const next: DrainState = {
    ...withoutProgress(ctx.state),
    phase: "Unquiescing",
    phaseEnteredAt: ctx.now,
    outcome: undefined,
  };
  return { state: next, requeueMs: 0 };
}

/** The drain is over (drained, or out of time): record it, then remove the pod unless it is kept. */
export function finish(ctx: StepContext, how: "Drained" | "TimedOut", probe?: ProbeResult): Decision {
  const { state, now, policy, timing } = ctx;
  const keep = how === "TimedOut" && policy.drain.onTimeout === "Keep";
  // Maintenance mode: quiesced and out of the endpoints, but kept until the workload is unquiesced.
  const maintenance = state.reason === "maintenance";
  const next: DrainState = {
    ...state,
    phase: how,
    phaseEnteredAt: now,
    inFlight: how === "Drained" && policy.endpoint ? 0 : state.inFlight,
    outcome: keep ? "Kept" : how,
    lastError: undefined,
  };
  const finished = endingEvent(ctx, how, keep, now, lastErrorText(ctx, probe));
  const ended = how === "Drained" ? "drained" : "timed_out";
  if (keep || maintenance) return { state: next, events: [finished], ended };
  return { state: next, events: [finished], ended, remove: true, requeueMs: timing.pollMs };
}

/**
 * The Event that says how a drain ended, recorded once per drain (its key names the drain's start): a new leader
 * that resumes a finished drain records it again, in case the old one stopped between the state and the Event.
 */
function endingEvent(
  ctx: StepContext,
  how: "Drained" | "TimedOut",
  keep: boolean,
  at: number,
  error: string | undefined,
): DrainEvent {
  const { state, policy, timing } = ctx;
  const elapsed = ((at - (state.startedAt ?? at)) / 1000).toFixed(1);
  const maintenance = state.reason === "maintenance";
  const once = `ending-${state.startedAt ?? 0}`;
  const then = keep
    ? "keeping pod (onTimeout: Keep)"
    : maintenance
      ? "kept out of service until unquiesced"
      : `${state.via === "evict" ? "evicting" : "deleting"} pod`;
  if (how === "Drained") {
    const what = policy.endpoint ? "drained" : `no endpoint: NotReady for ${timing.settleMs / 1000}s`;
    const refusals =
      state.lastRefusedAt === undefined
        ? ""
        : " (its removal waited for the app's refusals of new work to stop)";
    return { ...event("Normal", "Drained", `${what} after ${elapsed}s${refusals}; ${then}`), once };
  }
  const left = state.inFlight === undefined ? "" : ` with ${state.inFlight} in flight`;
  const why = error ? ` (last endpoint error: ${error})` : "";
  const held =
    state.heldAt === undefined
      ? ""
      : `, removal held ${((at - state.heldAt) / 1000).toFixed(1)}s for the endpoints`;
  const message = `drain timed out after ${elapsed}s${left}${why}${held}; ${then}`;
  return { ...event("Warning", "DrainTimedOut", message), once };
}

/** A finished drain's ending Event again, as at its finish (idempotent: recorded once per drain). */
function endingAgain(ctx: StepContext): DrainEvent[] {
  const { state } = ctx;
  if (state.phase !== "Drained" && state.phase !== "TimedOut") return [];
  const at = state.phaseEnteredAt ?? ctx.now;
  return [endingEvent(ctx, state.phase, state.outcome === "Kept", at, undefined)];
}

/** Drained or TimedOut: remove the pod (again, until it is terminating), unless it is kept. */
export function removing(ctx: StepContext): Decision {
  const { state, obs } = ctx;
  if (obs.pod === "terminating" || state.outcome === "Kept") return { state };
  if (state.reason === "maintenance") {
    if (!isReversal(ctx)) return { state, serving: holdNotReady(ctx) };
    if (!ctx.policy.endpoint)
      return backToServing(ctx, "Unquiesced", `${reversalCause(ctx)}; pod serves again`);
    return toUnquiescing(ctx);
  }
  return {
    state,
    serving: holdNotReady(ctx),
    events: endingAgain(ctx),
    remove: true,
    requeueMs: ctx.timing.pollMs,
  };
}

/** Unquiescing: ask the app to serve again (DELETE quiesce), then the gate; bounded by timeoutSeconds. */
export function unquiescing(ctx: StepContext): Decision {
  const { state, obs, now, policy, timing } = ctx;
  if (obs.pod === "terminating") return interrupted(ctx);
  const probe = obs.probe?.result;
  if (!policy.endpoint || probe?.ok)
    return backToServing(ctx, "Unquiesced", `${reversalCause(ctx)}; unquiesced`);
  if (now - (state.phaseEnteredAt ?? now) >= timing.timeoutMs) {
    const why = probe ? `${probe.kind}: ${probe.message}` : "no answer";
    return backToServing(
      ctx,
      "UnquiesceFailed",
      `unquiesce not confirmed within ${timing.timeoutMs / 1000}s (${why}); serving again anyway`,
    );
  }
  return pollAgain(ctx, probe, timing.pollMs);
}

export function backToServing(
  ctx: StepContext,
  outcome: "Unquiesced" | "UnquiesceFailed",
  message: string,
): Decision {
  return {
    state: { phase: "Serving", policy: ctx.state.policy, outcome },
    serving: ctx.obs.gate !== true ? true : undefined,
    events: [event(outcome === "Unquiesced" ? "Normal" : "Warning", outcome, message)],
    ended: outcome === "Unquiesced" ? "unquiesced" : "unquiesce_failed",
  };
}

/** The pod is going away without us (break-glass, webhook bypassed, grace period): record it and stop. */
export function interrupted(ctx: StepContext): Decision {
  if (ctx.state.outcome === "Interrupted") return { state: ctx.state };
  return {
    state: { ...ctx.state, outcome: "Interrupted" },
    events: [
      event(
        "Warning",
        "DrainInterrupted",
        `pod is terminating while its drain was ${ctx.state.phase}; drain abandoned`,
      ),
    ],
    ended: "interrupted",
  };
}
