// The drain state machine: pure (state + observation + now + policy -> next state + actions), no I/O.
import {
  type DrainState,
  fromAnnotations,
  type RemovalReason,
  type RemovalVia,
  sanitizeDrainState,
  toAnnotations,
} from "../../api/pod-annotations.ts";
import type { QuiescePolicySpec } from "../../api/quiesce-policy.ts";
import {
  type DrainObservation,
  type ProbeRequest,
  type ProbeResult,
  sanitizeObservation,
} from "./observation.ts";

export { fromAnnotations, toAnnotations };

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
  | "DryRun";

/**
 * Effects for the caller to perform, in order (annotations first, so the deletion gate sees `Drained` before the
 * delete arrives). `patchAnnotations` is a merge-patch fragment: null removes a key.
 */
export type DrainAction =
  | { type: "patchAnnotations"; annotations: Record<string, string | null> }
  | { type: "setServingCondition"; serving: boolean }
  | { type: "emitEvent"; eventType: "Normal" | "Warning"; reason: EventReason; message: string }
  | { type: "deletePod" }
  | { type: "evictPod" }
  | { type: "requeueAfter"; ms: number };

/** A call to the pod's quiesce endpoint; its result is the next step's `observation.probe`. */
export type ProbeAction = { type: "postQuiesce" } | { type: "getStatus" } | { type: "deleteQuiesce" };

export interface StepResult {
  state: DrainState;
  actions: DrainAction[];
  /** Nothing more to do for this pod until something changes; otherwise `actions` holds a requeueAfter. */
  done: boolean;
}

/** The subset of the policy spec the state machine reads. */
export type DrainPolicy = Pick<QuiescePolicySpec, "mode" | "endpoint" | "drain">;

const PROBE_ACTION: Record<ProbeRequest, ProbeAction> = {
  post: { type: "postQuiesce" },
  get: { type: "getStatus" },
  delete: { type: "deleteQuiesce" },
};

/** Records a removal the deletion gate denied, to be started by the controller. Idempotent while one is on. */
export function requestRemoval(
  current: DrainState,
  request: { now: number; policy: string; reason: RemovalReason; via: RemovalVia },
): DrainState {
  const state = sanitizeDrainState(current);
  if (state.phase !== "Serving") return state;
  return sanitizeDrainState({
    phase: "Requested",
    policy: request.policy,
    reason: request.reason,
    via: request.via,
    requestedAt: request.now,
  });
}

/** Which endpoint call the caller should make before `step`, if any. */
export function nextProbe(
  rawState: DrainState,
  policy: DrainPolicy,
  pod: DrainObservation["pod"] = "present",
): ProbeAction | undefined {
  const request = probeFor(sanitizeDrainState(rawState), policy, pod);
  return request && PROBE_ACTION[request];
}

function probeFor(
  state: DrainState,
  policy: DrainPolicy,
  pod: DrainObservation["pod"],
): ProbeRequest | undefined {
  if (!policy.endpoint || pod === "gone") return undefined;
  if (
    policy.mode === "DryRun" &&
    (state.phase === "Requested" || (state.phase === "Serving" && pod === "terminating"))
  )
    return state.outcome === "DryRun" ? undefined : "get";
  if (pod !== "present") return undefined;
  switch (state.phase) {
    case "Settling":
    case "Draining":
      return "get";
    case "Quiescing":
      return "post";
    case "Unquiescing":
      return "delete";
    default:
      return undefined;
  }
}

interface Ctx {
  /** The state as read; patches are computed against it. */
  from: DrainState;
  state: DrainState;
  obs: DrainObservation;
  now: number;
  policy: DrainPolicy;
  pollMs: number;
  timeoutMs: number;
  settleMs: number;
}

/** One step of the drain of one pod. Never throws; a malformed state or observation reads as unknown. */
export function step(
  rawState: DrainState,
  rawObservation: DrainObservation,
  now: number,
  policy: DrainPolicy,
): StepResult {
  const state = sanitizeDrainState(rawState);
  const obs = sanitizeObservation(rawObservation);
  const seconds = (v: unknown, fallback: number) =>
    typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : fallback;
  const pollMs = Math.max(1, seconds(policy.drain.pollIntervalSeconds, 1)) * 1000;
  if (!Number.isFinite(now)) return { state, actions: [requeue(pollMs)], done: false };
  const ctx: Ctx = {
    from: state,
    state,
    obs,
    now: Math.floor(now),
    policy,
    pollMs,
    timeoutMs: Math.max(1, seconds(policy.drain.timeoutSeconds, 1)) * 1000,
    settleMs: seconds(policy.drain.settleSeconds, 0) * 1000,
  };
  if (obs.pod === "gone") return { state, actions: [], done: true };
  // A probe answers the question asked for this state; one for another question is ignored.
  if (obs.probe && obs.probe.request !== probeFor(state, policy, obs.pod))
    ctx.obs = { ...obs, probe: undefined };

  switch (state.phase) {
    case "Serving":
      if (policy.mode === "DryRun" && obs.pod === "terminating" && state.outcome !== "DryRun")
        return dryRunReport(ctx);
      return { state, actions: [], done: true };
    case "Requested":
      return requested(ctx);
    case "Settling":
    case "Quiescing":
    case "Draining":
      return active(ctx);
    case "Drained":
    case "TimedOut":
      return removing(ctx);
    case "Unquiescing":
      return unquiescing(ctx);
  }
}

function requested(ctx: Ctx): StepResult {
  const { state, obs, now, policy } = ctx;
  if (obs.pod === "terminating") return policy.mode === "DryRun" ? dryRunReport(ctx) : interrupted(ctx);
  if (policy.mode === "DryRun") return dryRunReport(ctx);
  if (isReversal(ctx)) {
    return backToServing(
      ctx,
      "Unquiesced",
      "Normal",
      `${reversalCause(ctx)} before the quiesce started; pod keeps serving`,
    );
  }
  // Maintenance takes every pod out of service on purpose: the budget does not apply.
  const budget = state.reason === "maintenance" ? { allowed: true, message: "maintenance" } : obs.budget;
  if (!budget) return { state, actions: [requeue(ctx.pollMs)], done: false };
  if (!budget.allowed) {
    const next = { ...state, refusal: budget.message };
    const actions = patch(ctx.from, next);
    if (state.refusal !== budget.message) actions.push(event("Warning", "QuiesceRefused", budget.message));
    actions.push(requeue(ctx.pollMs));
    return { state: next, actions, done: false };
  }
  const next: DrainState = {
    phase: "Settling",
    policy: state.policy,
    reason: state.reason,
    via: state.via,
    requestedAt: state.requestedAt,
    startedAt: now,
    phaseEnteredAt: now,
  };
  const deadline = new Date(now + ctx.timeoutMs).toISOString();
  const wait = policy.endpoint
    ? `waiting up to ${ctx.settleMs / 1000}s for traffic to stop, then quiescing`
    : `no endpoint: waiting ${ctx.settleMs / 1000}s for traffic to stop`;
  const actions = patch(ctx.from, next);
  if (obs.gate !== false) actions.push({ type: "setServingCondition", serving: false });
  actions.push(
    event(
      "Normal",
      "QuiesceStarted",
      `quiesce started (${state.reason ?? "removal"}): NotReady, ${wait}; removed when drained or by ${deadline}`,
    ),
    requeue(Math.min(ctx.pollMs, ctx.settleMs)),
  );
  return { state: next, actions, done: false };
}

function active(ctx: Ctx): StepResult {
  const { obs, now, policy } = ctx;
  if (obs.pod === "terminating") return interrupted(ctx);
  // A drain resumed without a readable start time restarts its clock once (the new time is persisted).
  const state: DrainState = {
    ...ctx.state,
    startedAt: ctx.state.startedAt ?? now,
    phaseEnteredAt: ctx.state.phaseEnteredAt ?? now,
  };
  ctx.state = state;
  if (isReversal(ctx)) {
    if (state.phase === "Settling" || !policy.endpoint) {
      return backToServing(ctx, "Unquiesced", "Normal", `${reversalCause(ctx)}; pod serves again`);
    }
    const next: DrainState = { ...withoutProgress(state), phase: "Unquiescing", phaseEnteredAt: now };
    return { state: next, actions: [...patch(ctx.from, next), requeue(0)], done: false };
  }
  const prefix: DrainAction[] = obs.gate !== false ? [{ type: "setServingCondition", serving: false }] : [];
  const probe = obs.probe?.result;
  // A drained answer wins over a deadline reached while it was on its way.
  if (state.phase !== "Settling" && policy.endpoint && probe?.ok && probe.status.inFlight === 0) {
    return withPrefix(prefix, finish(ctx, "Drained"));
  }
  const deadline = (state.startedAt ?? now) + ctx.timeoutMs;
  // An endpoint failure seen in the step that also ends the settle or the drain is still reported.
  const failure = failureEvents(ctx, probe);
  if (now >= deadline) {
    const held = holdForEndpoints(ctx, deadline, prefix);
    if (held) return held;
    return withPrefix([...prefix, ...failure], finish(ctx, "TimedOut", probe));
  }
  const wait = (ms: number) => requeue(Math.max(0, Math.min(ms, deadline - now)));

  if (state.phase === "Settling") return settling(ctx, prefix, failure, wait);

  if (!policy.endpoint) return withPrefix(prefix, finish(ctx, "Drained"));
  if (probe?.ok) {
    if (state.phase === "Draining" && probe.status.state === "serving") {
      // The app forgot the quiesce (it restarted): ask again.
      const next: DrainState = {
        ...state,
        phase: "Quiescing",
        phaseEnteredAt: now,
        inFlight: probe.status.inFlight,
      };
      return withPrefix(prefix, stay(ctx, next, [requeue(0)]));
    }
    const next: DrainState = {
      ...state,
      phase: "Draining",
      phaseEnteredAt: state.phase === "Draining" ? state.phaseEnteredAt : now,
      inFlight: probe.status.inFlight,
      lastError: undefined,
    };
    return withPrefix(prefix, stay(ctx, next, [wait(ctx.pollMs)]));
  }
  return withPrefix(prefix, probeFailed(ctx, probe, wait(ctx.pollMs)));
}

/**
 * A Settling drain whose deadline passed while a Service may still route to the pod (the gate not seen False, an
 * EndpointSlice listing it as serving, or it left them less than settleSeconds ago): the app was never asked to
 * refuse work, and removing the pod now would send that traffic to a dead pod (an EndpointSlice controller this
 * late, as after an API server restart, does not drop a terminating pod either). The removal waits for the
 * endpoints, at most one more timeoutSeconds; undefined when there is nothing to wait for.
 */
function holdForEndpoints(ctx: Ctx, deadline: number, prefix: DrainAction[]): StepResult | undefined {
  const { obs, now } = ctx;
  const state = ctx.state;
  if (state.phase !== "Settling" || now >= deadline + ctx.timeoutMs) return undefined;
  const routed = obs.gate === true || obs.listed === true;
  const leftAt = routed || obs.listed !== false ? undefined : (state.leftEndpointsAt ?? now);
  const propagating = leftAt !== undefined && now < leftAt + ctx.settleMs;
  if (!routed && !propagating) return undefined;
  const next: DrainState = { ...state, leftEndpointsAt: leftAt, heldAt: state.heldAt ?? now };
  const actions = patch(ctx.from, next);
  if (state.heldAt === undefined) {
    actions.push(
      event(
        "Warning",
        "RemovalHeld",
        `drain timeout reached while a Service still routes to the pod (an EndpointSlice lists it as serving); its removal waits until it has left the endpoints, at most ${ctx.timeoutMs / 1000}s more`,
      ),
    );
  }
  const untilPropagated = leftAt === undefined ? ctx.pollMs : leftAt + ctx.settleMs - now;
  const untilBound = deadline + ctx.timeoutMs - now;
  actions.push(requeue(Math.max(0, Math.min(ctx.pollMs, untilPropagated, untilBound))));
  return withPrefix(prefix, { state: sanitizeDrainState(next), actions, done: false });
}

/** Settling: NotReady, waiting for traffic to stop before the app is asked to refuse work (or, without an endpoint,
 * before the pod is removed). */
function settling(
  ctx: Ctx,
  prefix: DrainAction[],
  failure: DrainAction[],
  wait: (ms: number) => DrainAction,
): StepResult {
  const { obs, now, policy } = ctx;
  if (obs.gate === true || obs.listed === true) {
    // Traffic can still be routed here: the gate is not seen False yet (a write lost to a crash or an API outage),
    // or a Service's EndpointSlice still lists the pod (its controller lags). The settle wait counts from when
    // neither holds; the drain timeout still bounds it all.
    const next: DrainState = {
      ...ctx.state,
      phaseEnteredAt: now,
      leftEndpointsAt: undefined,
      lastAccepted: undefined,
      lastAcceptedAt: undefined,
    };
    return withPrefix(prefix, stay(ctx, next, [wait(ctx.pollMs)]));
  }
  // First seen out of every EndpointSlice: load balancers learn of it from about now, so settleSeconds (their
  // propagation) counts from here rather than from the gate write, which the EndpointSlice controller may lag.
  if (obs.listed === false && ctx.state.leftEndpointsAt === undefined) {
    ctx.state = { ...ctx.state, leftEndpointsAt: now };
  }
  const state = ctx.state;
  const settledAt = (state.leftEndpointsAt ?? state.phaseEnteredAt ?? now) + ctx.settleMs;
  if (!policy.endpoint) {
    if (now >= settledAt) return withPrefix(prefix, finish(ctx, "Drained"));
    return withPrefix(prefix, stay(ctx, state, [wait(Math.min(ctx.pollMs, settledAt - now))]));
  }
  if (now >= settledAt) return withPrefix([...prefix, ...failure], toQuiescing(ctx));
  const probe = obs.probe?.result;
  if (probe?.ok) {
    if (state.lastAccepted === probe.status.accepted && state.lastAcceptedAt !== undefined) {
      // Unchanged for a whole poll interval: traffic has stopped. Two reads close together prove nothing.
      const quietFor = now - state.lastAcceptedAt;
      if (quietFor >= ctx.pollMs) return withPrefix(prefix, toQuiescing(ctx));
      return withPrefix(prefix, stay(ctx, state, [wait(Math.min(ctx.pollMs - quietFor, settledAt - now))]));
    }
    const next = {
      ...state,
      lastAccepted: probe.status.accepted,
      lastAcceptedAt: now,
      lastError: undefined,
    };
    return withPrefix(prefix, stay(ctx, next, [wait(Math.min(ctx.pollMs, settledAt - now))]));
  }
  return withPrefix(prefix, probeFailed(ctx, probe, wait(Math.min(ctx.pollMs, settledAt - now))));
}

function toQuiescing(ctx: Ctx): StepResult {
  const next: DrainState = {
    ...ctx.state,
    phase: "Quiescing",
    phaseEnteredAt: ctx.now,
    lastError: undefined,
  };
  return stay(ctx, next, [requeue(0)]);
}

function failureText(probe: ProbeResult): string {
  return probe.ok ? "" : `${probe.kind}: ${probe.message}`.slice(0, 300);
}

/** The EndpointError Event for a failed call, unless the same error was already reported. */
function failureEvents(ctx: Ctx, probe: ProbeResult | undefined): DrainAction[] {
  if (!probe || probe.ok) return [];
  const text = failureText(probe);
  if (ctx.state.lastError === text) return [];
  return [event("Warning", "EndpointError", `quiesce endpoint error during ${ctx.state.phase}: ${text}`)];
}

/** An endpoint call failed (or was not made): note it once as an Event, and poll again. */
function probeFailed(ctx: Ctx, probe: ProbeResult | undefined, again: DrainAction): StepResult {
  if (!probe || probe.ok) return stay(ctx, ctx.state, [again]);
  const text = failureText(probe);
  const next = { ...ctx.state, lastError: text };
  const actions: DrainAction[] = [];
  if (ctx.state.lastError !== text) {
    actions.push(
      event("Warning", "EndpointError", `quiesce endpoint error during ${ctx.state.phase}: ${text}`),
    );
  }
  actions.push(again);
  return stay(ctx, next, actions);
}

function finish(ctx: Ctx, how: "Drained" | "TimedOut", probe?: ProbeResult): StepResult {
  const { state, now, policy } = ctx;
  const elapsed = ((now - (state.startedAt ?? now)) / 1000).toFixed(1);
  const keep = how === "TimedOut" && policy.drain.onTimeout === "Keep";
  const next: DrainState = {
    ...state,
    phase: how,
    phaseEnteredAt: now,
    inFlight: how === "Drained" && policy.endpoint ? 0 : state.inFlight,
    outcome: keep ? "Kept" : how,
    lastError: undefined,
  };
  const removal = state.via === "evict" ? "evicting" : "deleting";
  const actions = patch(ctx.from, next);
  if (how === "Drained") {
    const what = policy.endpoint ? "drained" : `no endpoint: NotReady for ${ctx.settleMs / 1000}s`;
    actions.push(event("Normal", "Drained", `${what} after ${elapsed}s; ${removal} pod`));
  } else {
    const left = state.inFlight === undefined ? "" : ` with ${state.inFlight} in flight`;
    const then = keep ? "keeping pod (onTimeout: Keep)" : `${removal} pod`;
    const error = probe && !probe.ok ? failureText(probe) : state.lastError;
    const why = error ? ` (last endpoint error: ${error})` : "";
    const held =
      state.heldAt === undefined
        ? ""
        : `, removal held ${((now - state.heldAt) / 1000).toFixed(1)}s for the endpoints`;
    actions.push(
      event("Warning", "DrainTimedOut", `drain timed out after ${elapsed}s${left}${why}${held}; ${then}`),
    );
  }
  if (keep) return { state: next, actions, done: true };
  if (state.reason === "maintenance") {
    // Maintenance mode: quiesced and out of the endpoints, but kept until the Deployment is unquiesced.
    const last = actions.pop();
    if (last?.type === "emitEvent") {
      actions.push(
        event(
          last.eventType,
          last.reason,
          last.message.replace(/; (deleting|evicting) pod$/, "; kept out of service until unquiesced"),
        ),
      );
    }
    return { state: next, actions, done: true };
  }
  actions.push(removalAction(state), requeue(ctx.pollMs));
  return { state: next, actions, done: false };
}

/** Drained or TimedOut: remove the pod (again, until it is terminating), unless it is kept. */
function removing(ctx: Ctx): StepResult {
  const { state, obs } = ctx;
  if (obs.pod === "terminating" || state.outcome === "Kept") return { state, actions: [], done: true };
  if (state.reason === "maintenance") {
    if (isReversal(ctx)) {
      if (!ctx.policy.endpoint)
        return backToServing(ctx, "Unquiesced", "Normal", `${reversalCause(ctx)}; pod serves again`);
      const next: DrainState = {
        ...withoutProgress(state),
        phase: "Unquiescing",
        phaseEnteredAt: ctx.now,
        outcome: undefined,
      };
      return { state: next, actions: [...patch(ctx.from, next), requeue(0)], done: false };
    }
    const hold: DrainAction[] = obs.gate !== false ? [{ type: "setServingCondition", serving: false }] : [];
    return { state, actions: hold, done: true };
  }
  const actions: DrainAction[] = obs.gate !== false ? [{ type: "setServingCondition", serving: false }] : [];
  actions.push(removalAction(state), requeue(ctx.pollMs));
  return { state, actions, done: false };
}

function unquiescing(ctx: Ctx): StepResult {
  const { state, obs, now, policy } = ctx;
  if (obs.pod === "terminating") return interrupted(ctx);
  const probe = obs.probe?.result;
  if (!policy.endpoint || probe?.ok) {
    return backToServing(ctx, "Unquiesced", "Normal", `${reversalCause(ctx)}; unquiesced`);
  }
  if (now - (state.phaseEnteredAt ?? now) >= ctx.timeoutMs) {
    const why = probe ? `${probe.kind}: ${probe.message}` : "no answer";
    return backToServing(
      ctx,
      "UnquiesceFailed",
      "Warning",
      `unquiesce not confirmed within ${ctx.timeoutMs / 1000}s (${why}); serving again anyway`,
    );
  }
  return probeFailed(ctx, probe, requeue(ctx.pollMs));
}

function backToServing(
  ctx: Ctx,
  outcome: "Unquiesced" | "UnquiesceFailed",
  eventType: "Normal" | "Warning",
  message: string,
): StepResult {
  const next: DrainState = { phase: "Serving", policy: ctx.state.policy, outcome };
  const actions = patch(ctx.from, next);
  if (ctx.obs.gate !== true) actions.push({ type: "setServingCondition", serving: true });
  actions.push(event(eventType, outcome, message));
  return { state: next, actions, done: true };
}

/** The pod is going away without us (break-glass, webhook bypassed, grace period): record it and stop. */
function interrupted(ctx: Ctx): StepResult {
  if (ctx.state.outcome === "Interrupted") return { state: ctx.state, actions: [], done: true };
  const next: DrainState = { ...ctx.state, outcome: "Interrupted" };
  const actions = patch(ctx.from, next);
  actions.push(
    event(
      "Warning",
      "DrainInterrupted",
      `pod is terminating while its drain was ${ctx.state.phase}; drain abandoned`,
    ),
  );
  return { state: next, actions, done: true };
}

function dryRunReport(ctx: Ctx): StepResult {
  const { policy, obs } = ctx;
  const settle = `wait up to ${ctx.settleMs / 1000}s for traffic to stop`;
  const timeout = `${policy.drain.timeoutSeconds}s`;
  let plan: string;
  if (!policy.endpoint) plan = `mark NotReady, ${settle.replace("up to ", "")}, then remove the pod`;
  else {
    const probe = obs.probe?.result;
    const work = !probe
      ? "its in-flight work"
      : probe.ok
        ? `${probe.status.inFlight} in flight`
        : `its in-flight work (endpoint error: ${probe.kind}: ${probe.message})`;
    plan = `mark NotReady, ${settle}, POST ${policy.endpoint.path}, wait for ${work} (at most ${timeout}), then remove the pod`;
  }
  const next: DrainState = {
    phase: "Serving",
    policy: ctx.state.policy,
    reason: ctx.state.reason,
    outcome: "DryRun",
  };
  const actions = patch(ctx.from, next);
  actions.push(event("Normal", "DryRun", `DryRun: a drain would ${plan}`));
  return { state: next, actions, done: true };
}

/** The removal no longer stands: a rollout undone (the pod is current again) or maintenance lifted. */
function isReversal(ctx: Ctx): boolean {
  if (ctx.state.reason === "maintenance") return ctx.obs.maintenance === false;
  return ctx.state.reason === "rollout" && ctx.obs.revisionIsCurrent === true;
}

function reversalCause(ctx: Ctx): string {
  return ctx.state.reason === "maintenance"
    ? "maintenance lifted"
    : "rollout undone: pod belongs to the current revision again";
}

function withoutProgress(state: DrainState): DrainState {
  return {
    ...state,
    lastAccepted: undefined,
    lastAcceptedAt: undefined,
    inFlight: undefined,
    lastError: undefined,
  };
}

function stay(ctx: Ctx, next: DrainState, tail: DrainAction[]): StepResult {
  return { state: sanitizeDrainState(next), actions: [...patch(ctx.from, next), ...tail], done: false };
}

function withPrefix(prefix: DrainAction[], result: StepResult): StepResult {
  if (prefix.length === 0) return result;
  const at = result.actions.findIndex((a) => a.type !== "patchAnnotations");
  const actions = [...result.actions];
  actions.splice(at === -1 ? actions.length : at, 0, ...prefix);
  return { ...result, actions };
}

/** A patchAnnotations action with only the keys that change, or nothing when none do. */
function patch(from: DrainState, to: DrainState): DrainAction[] {
  const before = toAnnotations(from);
  const after = toAnnotations(to);
  const changed: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(after)) if (before[k] !== v) changed[k] = v;
  return Object.keys(changed).length > 0 ? [{ type: "patchAnnotations", annotations: changed }] : [];
}

function removalAction(state: DrainState): DrainAction {
  return state.via === "evict" ? { type: "evictPod" } : { type: "deletePod" };
}

function requeue(ms: number): DrainAction {
  return { type: "requeueAfter", ms: Math.max(0, Math.round(ms)) };
}

function event(eventType: "Normal" | "Warning", reason: EventReason, message: string): DrainAction {
  return { type: "emitEvent", eventType, reason, message };
}
