// What one drain step decides, and how a decision becomes actions in their one order: annotations, gate, Events,
// removal, requeue (annotations first, so the deletion gate sees `Drained` before the delete arrives).
import type { DrainEnding } from "../../api/drain-phases.ts";
import { type DrainState, sanitizeDrainState, toAnnotations } from "../../api/pod-annotations.ts";
import type { QuiescePolicySpec } from "../../api/quiesce-policy.ts";
import { NO_ARRIVAL_EVIDENCE } from "../../api/traffic-evidence.ts";
import type { DrainObservation, ProbeResult } from "./observation.ts";

export type EventReason =
  | "QuiesceStarted"
  | "QuiesceRefused"
  | "Drained"
  | "DrainTimedOut"
  | "RemovalHeld"
  | "DrainInterrupted"
  | "EndpointError"
  | "Unquiesced"
  | "UnquiesceFailed"
  | "DryRun"
  | "PolicyInvalid"
  | "SettleOnTimer"
  | "TrafficStillArriving";

export interface DrainEvent {
  eventType: "Normal" | "Warning";
  reason: EventReason;
  message: string;
  /** Recorded at most once per pod under this key (the drain's ending, re-emitted when a drain is resumed). */
  once?: string;
}

/** Effects for the caller to perform, in order. `patchAnnotations` is a merge-patch fragment: null removes a key. */
export type DrainAction =
  | { type: "patchAnnotations"; annotations: Record<string, string | null> }
  | { type: "setServingCondition"; serving: boolean }
  | ({ type: "emitEvent" } & DrainEvent)
  | { type: "deletePod" }
  | { type: "evictPod" }
  | { type: "requeueAfter"; ms: number };

export interface StepResult {
  state: DrainState;
  actions: DrainAction[];
  /** Nothing more to do for this pod until something changes; otherwise `actions` holds a requeueAfter. */
  done: boolean;
  /** This step started a drain (the pod went NotReady for its removal). */
  started?: boolean;
  /** This step ended a drain, and how. */
  ended?: DrainEnding;
  /** This step ended the settle (the quiesce call comes next), and how. */
  settled?: SettleEnd;
}

/** How a settle ended: traffic seen quiet, the settleSeconds timer (no evidence), or the maxSettleSeconds bound. */
export interface SettleEnd {
  by: "quiet" | "timer" | "bound";
  /** From leaving the endpoints to the end of the settle (absent when the pod was never seen leaving them). */
  settleMs?: number;
  /** From leaving the endpoints to the last arrival the counter showed (0: none after leaving). */
  trafficAfterLeavingMs?: number;
  /** Mean arrivals per second over the removal. */
  ratePerSecond?: number;
}

/** The subset of the policy spec the state machine reads. */
export type DrainPolicy = Pick<QuiescePolicySpec, "mode" | "endpoint" | "drain">;

/** The policy's timing in milliseconds, checked once per step. */
export interface DrainTiming {
  pollMs: number;
  timeoutMs: number;
  settleMs: number;
  /** How long the settle may wait for traffic that still arrives after the pod left the endpoints. */
  maxSettleMs: number;
}

/** Everything one step reads; never changed during the step (a derived state makes a new context). */
export interface StepContext {
  /** The state as read; patches are computed against it. */
  readonly from: DrainState;
  /** The state the step works on: `from`, or `from` resumed (a missing start time filled in). */
  readonly state: DrainState;
  readonly obs: DrainObservation;
  readonly now: number;
  readonly policy: DrainPolicy;
  readonly timing: DrainTiming;
}

/** What a step decided; `toStepResult` turns it into ordered actions. No requeue means done. */
export interface Decision {
  state: DrainState;
  /** Write the serving condition (false: NotReady for the drain; true: serving again). */
  serving?: boolean;
  events?: readonly DrainEvent[];
  /** Remove the pod the way its removal came (delete or evict). */
  remove?: boolean;
  requeueMs?: number;
  started?: boolean;
  ended?: DrainEnding;
  settled?: SettleEnd;
}

export function withState(ctx: StepContext, state: DrainState): StepContext {
  return { ...ctx, state };
}

export function event(eventType: DrainEvent["eventType"], reason: EventReason, message: string): DrainEvent {
  return { eventType, reason, message };
}

/** NotReady while the operator holds the pod out of service: written again until the gate is seen False. */
export function holdNotReady(ctx: StepContext): boolean | undefined {
  return ctx.obs.gate !== false ? false : undefined;
}

/** The decision, with the gate held NotReady and extra Events before its own (unless it sets the gate itself). */
export function notReadyWith(
  ctx: StepContext,
  d: Decision,
  eventsFirst: readonly DrainEvent[] = [],
): Decision {
  return { ...d, serving: d.serving ?? holdNotReady(ctx), events: [...eventsFirst, ...(d.events ?? [])] };
}

export function toStepResult(from: DrainState, d: Decision): StepResult {
  const state = sanitizeDrainState(d.state);
  const actions: DrainAction[] = [];
  const changed = changedAnnotations(from, state);
  if (changed) actions.push({ type: "patchAnnotations", annotations: changed });
  if (d.serving !== undefined) actions.push({ type: "setServingCondition", serving: d.serving });
  for (const e of d.events ?? []) actions.push({ type: "emitEvent", ...e });
  if (d.remove) actions.push(state.via === "evict" ? { type: "evictPod" } : { type: "deletePod" });
  if (d.requeueMs !== undefined)
    actions.push({ type: "requeueAfter", ms: Math.max(0, Math.round(d.requeueMs)) });
  const result: StepResult = { state, actions, done: d.requeueMs === undefined };
  if (d.started) result.started = true;
  if (d.ended) result.ended = d.ended;
  if (d.settled) result.settled = d.settled;
  return result;
}

/** The annotation keys that change, or undefined when none do. */
function changedAnnotations(from: DrainState, to: DrainState): Record<string, string | null> | undefined {
  const before = toAnnotations(from);
  const changed: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(toAnnotations(to))) if (before[k] !== v) changed[k] = v;
  return Object.keys(changed).length > 0 ? changed : undefined;
}

function failureText(probe: ProbeResult): string {
  return probe.ok ? "" : `${probe.kind}: ${probe.message}`.slice(0, 300);
}

/** The last endpoint error to name in a timeout's Event: this step's, else the recorded one. */
export function lastErrorText(ctx: StepContext, probe: ProbeResult | undefined): string | undefined {
  return probe && !probe.ok ? failureText(probe) : ctx.state.lastError;
}

/** The EndpointError Event for a failed call, unless the same error was already reported. */
export function endpointErrorEvents(ctx: StepContext, probe: ProbeResult | undefined): DrainEvent[] {
  if (!probe || probe.ok) return [];
  const text = failureText(probe);
  if (ctx.state.lastError === text) return [];
  return [event("Warning", "EndpointError", `quiesce endpoint error during ${ctx.state.phase}: ${text}`)];
}

/** Poll again after an endpoint call: a failure is recorded (and reported once as an Event). */
export function pollAgain(ctx: StepContext, probe: ProbeResult | undefined, requeueMs: number): Decision {
  if (!probe || probe.ok) return { state: ctx.state, requeueMs };
  return {
    state: { ...ctx.state, lastError: failureText(probe) },
    events: endpointErrorEvents(ctx, probe),
    requeueMs,
  };
}

/** Drops what the app reported during a drain, for a state that starts over. */
export function withoutProgress(state: DrainState): DrainState {
  return {
    ...state,
    ...NO_ARRIVAL_EVIDENCE,
    evidenceIssue: undefined,
    trafficNotedAt: undefined,
    lastRefused: undefined,
    lastRefusedAt: undefined,
    inFlight: undefined,
    lastError: undefined,
  };
}
