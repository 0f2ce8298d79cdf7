// The drain state machine: pure (state + observation + now + policy -> next state + actions), no I/O.
import { type DrainState, sanitizeDrainState } from "../../api/pod-annotations.ts";
import type { EndpointCall } from "../../protocol/quiesce-protocol.ts";
import { removing, unquiescing } from "./drain-endings.ts";
import { draining } from "./draining.ts";
import { type DrainObservation, sanitizeObservation } from "./observation.ts";
import { dryRunReport, requested } from "./requested.ts";
import {
  type Decision,
  type DrainPolicy,
  type DrainTiming,
  event,
  type StepContext,
  type StepResult,
  toStepResult,
} from "./step-result.ts";

export type { DrainAction, DrainPolicy, EventReason, StepResult } from "./step-result.ts";

/** How often a drain kept for an invalid policy looks again (a fixed policy resumes it). */
const INVALID_POLICY_RECHECK_MS = 10_000;

/** Which endpoint call the caller should make before `step`, if any. */
export function nextProbe(
  rawState: DrainState,
  policy: DrainPolicy,
  pod: DrainObservation["pod"] = "present",
): EndpointCall | undefined {
  return probeFor(sanitizeDrainState(rawState), policy, pod);
}

function probeFor(
  state: DrainState,
  policy: DrainPolicy,
  pod: DrainObservation["pod"],
): EndpointCall | undefined {
  if (!policy.endpoint || pod === "gone") return undefined;
  if (
    policy.mode === "DryRun" &&
    (state.phase === "Requested" || (state.phase === "Serving" && pod === "terminating"))
  )
    return state.outcome === "DryRun" ? undefined : "status";
  if (pod !== "present") return undefined;
  switch (state.phase) {
    // Read while the pod still serves (Requested): the arrival rate the settle judges quiet by starts here.
    case "Requested":
    case "Settling":
    case "Draining":
      return "status";
    case "Quiescing":
      return "quiesce";
    case "Unquiescing":
      return "unquiesce";
    default:
      return undefined;
  }
}

/**
 * The policy's timing, or why it cannot be used. The CRD's schema rejects such a policy; if one gets through
 * anyway, no drain is shortened or lengthened by a guess: the pod is kept until the policy is fixed.
 */
export function drainTiming(policy: DrainPolicy): DrainTiming | string {
  const { timeoutSeconds, pollIntervalSeconds = 1, settleSeconds = 0, maxSettleSeconds = 120 } = policy.drain;
  const valid = (v: unknown, min: number) => typeof v === "number" && Number.isFinite(v) && v >= min;
  if (!valid(timeoutSeconds, 0) || timeoutSeconds === 0) return `timeoutSeconds is ${String(timeoutSeconds)}`;
  if (!valid(pollIntervalSeconds, 0) || pollIntervalSeconds === 0)
    return `pollIntervalSeconds is ${String(pollIntervalSeconds)}`;
  if (!valid(settleSeconds, 0)) return `settleSeconds is ${String(settleSeconds)}`;
  if (!valid(maxSettleSeconds, 0)) return `maxSettleSeconds is ${String(maxSettleSeconds)}`;
  return {
    pollMs: pollIntervalSeconds * 1000,
    timeoutMs: timeoutSeconds * 1000,
    settleMs: settleSeconds * 1000,
    maxSettleMs: maxSettleSeconds * 1000,
  };
}

/** One step of the drain of one pod. Never throws; a malformed state or observation reads as unknown. */
export function step(
  rawState: DrainState,
  rawObservation: DrainObservation,
  now: number,
  policy: DrainPolicy,
): StepResult {
  const state = sanitizeDrainState(rawState);
  const observed = sanitizeObservation(rawObservation);
  const timing = drainTiming(policy);
  const pollMs = typeof timing === "string" ? INVALID_POLICY_RECHECK_MS : timing.pollMs;
  if (!Number.isFinite(now)) return toStepResult(state, { state, requeueMs: pollMs });
  if (observed.pod === "gone") return toStepResult(state, { state });
  // A probe answers the question asked for this state; one for another question is ignored.
  const obs =
    observed.probe && observed.probe.call !== probeFor(state, policy, observed.pod)
      ? { ...observed, probe: undefined }
      : observed;
  if (state.phase === "Serving" && !(policy.mode === "DryRun" && obs.pod === "terminating"))
    return toStepResult(state, { state });
  if (typeof timing === "string") return toStepResult(state, keptForInvalidPolicy(state, timing));
  const ctx: StepContext = { from: state, state, obs, now: Math.floor(now), policy, timing };
  return toStepResult(state, decide(ctx));
}

function decide(ctx: StepContext): Decision {
  switch (ctx.state.phase) {
    case "Serving":
      // Only a DryRun policy's terminating pod gets here: report it once.
      return ctx.state.outcome === "DryRun" ? { state: ctx.state } : dryRunReport(ctx);
    case "Requested":
      return requested(ctx);
    case "Settling":
    case "Quiescing":
    case "Draining":
      return draining(ctx);
    case "Drained":
    case "TimedOut":
      return removing(ctx);
    case "Unquiescing":
      return unquiescing(ctx);
  }
}

function keptForInvalidPolicy(state: DrainState, why: string): Decision {
  const text = `the policy's timing is invalid (${why}): the pod is kept, its drain waits until the policy is fixed`;
  return {
    state: { ...state, lastError: text },
    events: state.lastError === text ? [] : [event("Warning", "PolicyInvalid", text)],
    requeueMs: INVALID_POLICY_RECHECK_MS,
  };
}
