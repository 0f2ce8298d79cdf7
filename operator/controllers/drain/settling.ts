// Settling: NotReady, waiting for traffic to stop before the app is asked to refuse work (or, without an endpoint,
// before the pod is removed); and the hold of a removal whose deadline came while a Service still routes to it.
import type { DrainState } from "../../api/pod-annotations.ts";
import { arrivalRate, formatRate } from "../../api/traffic-evidence.ts";
import { quietNeededMs, quietSince, withReading } from "./arrival-evidence.ts";
import { finish } from "./drain-endings.ts";
import {
  type Decision,
  type DrainEvent,
  event,
  pollAgain,
  type SettleEnd,
  type StepContext,
  withState,
} from "./step-result.ts";

/**
 * `wait` bounds a requeue by the drain deadline. The caller holds the gate NotReady. Every reading of the app's
 * `accepted` counter, routed or not, adds to the evidence (arrival-evidence.ts); the settle counts from leaving the
 * endpoints and ends once the counter has stood still long enough for its own rate, or by the timer
 * (settleSeconds) when the app gives no evidence, and at the latest at maxSettleSeconds.
 */
export function settling(
  ctx: StepContext,
  failure: readonly DrainEvent[],
  wait: (ms: number) => number,
): Decision {
  const { obs, now } = ctx;
  const probe = obs.probe?.result;
  const reading = withReading(ctx.state, probe, now);
  const read = withState(ctx, reading.state);
  const d = settle(read, failure, wait);
  return reading.events.length === 0 ? d : { ...d, events: [...reading.events, ...(d.events ?? [])] };
}

function settle(read: StepContext, failure: readonly DrainEvent[], wait: (ms: number) => number): Decision {
  const { obs, now, policy, timing } = read;
  const probe = obs.probe?.result;
  if (obs.gate === true || obs.listed === true) {
    // Traffic can still be routed here: the gate is not seen False yet (a write lost to a crash or an API outage),
    // or a Service's EndpointSlice still lists the pod (its controller lags). The settle wait counts from when
    // neither holds; the drain timeout still bounds it all.
    const next: DrainState = { ...read.state, phaseEnteredAt: now, leftEndpointsAt: undefined };
    return { state: next, requeueMs: wait(timing.pollMs) };
  }
  // First seen out of every EndpointSlice: load balancers learn of it from about now, so the settle counts from
  // here rather than from the gate write, which the EndpointSlice controller may lag.
  const here =
    obs.listed === false && read.state.leftEndpointsAt === undefined
      ? withState(read, { ...read.state, leftEndpointsAt: now })
      : read;
  const state = here.state;
  const leftAt = state.leftEndpointsAt ?? state.phaseEnteredAt ?? now;
  const settledAt = leftAt + timing.settleMs;
  const untilSettled = (ms: number) => wait(Math.min(ms, settledAt - now));
  if (!policy.endpoint) {
    if (now >= settledAt) return { ...finish(here, "Drained"), settled: settleEnd(here, "timer") };
    return { state, requeueMs: untilSettled(timing.pollMs) };
  }
  if (!probe?.ok) {
    if (now < settledAt) return pollAgain(here, probe, untilSettled(timing.pollMs));
    const quiescing = toQuiescing(here, "timer");
    return { ...quiescing, events: [...failure, ...(quiescing.events ?? [])] };
  }
  const boundAt = Math.max(settledAt, leftAt + timing.maxSettleMs);
  const needed = quietNeededMs(state, timing.pollMs, boundAt - leftAt);
  const quietAt = needed === undefined ? settledAt : quietSince(state, leftAt, now) + needed;
  if (now >= boundAt) return toQuiescing(here, needed === undefined ? "timer" : "bound");
  if (now >= quietAt) return toQuiescing(here, needed === undefined ? "timer" : "quiet");
  const next = { ...state, lastError: undefined };
  const requeueMs = wait(Math.min(timing.pollMs, Math.min(quietAt, boundAt) - now));
  // Past the timer and traffic still arrives: the load balancer lags; say so once.
  if (now < settledAt || state.trafficNotedAt !== undefined) return { state: next, requeueMs };
  if (state.lastAcceptedAt === undefined || state.lastAcceptedAt <= leftAt) return { state: next, requeueMs };
  const rate = arrivalRate(state) ?? 0;
  const message = `traffic still arrives ${((now - leftAt) / 1000).toFixed(0)}s after the pod left the endpoints (${formatRate(rate)}; a load balancer lags, or the app keeps pooled connections open despite the release): the quiesce waits until it stops, at most ${((boundAt - leftAt) / 1000).toFixed(0)}s after leaving`;
  return {
    state: { ...next, trafficNotedAt: now },
    events: [event("Warning", "TrafficStillArriving", message)],
    requeueMs,
  };
}

function toQuiescing(ctx: StepContext, by: SettleEnd["by"]): Decision {
  return {
    state: { ...ctx.state, phase: "Quiescing", phaseEnteredAt: ctx.now, lastError: undefined },
    requeueMs: 0,
    settled: settleEnd(ctx, by),
  };
}

/** How the settle ended, for the metrics and the log: from leaving the endpoints, and the last arrival after it. */
function settleEnd(ctx: StepContext, by: SettleEnd["by"]): SettleEnd {
  const { state, now } = ctx;
  const leftAt = state.leftEndpointsAt;
  const end: SettleEnd = { by };
  if (leftAt === undefined) return end;
  end.settleMs = now - leftAt;
  if (state.firstAcceptedAt !== undefined && state.lastAcceptedAt !== undefined) {
    end.trafficAfterLeavingMs = Math.max(0, state.lastAcceptedAt - leftAt);
  }
  const rate = arrivalRate(state);
  if (rate !== undefined) end.ratePerSecond = rate;
  return end;
}

/**
 * A Settling drain whose deadline passed while a Service may still route to the pod (the gate not seen False, an
 * EndpointSlice listing it as serving, or it left them less than settleSeconds ago): the app was never asked to
 * refuse work, and removing the pod now would send that traffic to a dead pod (an EndpointSlice controller this
 * late, as after an API server restart, does not drop a terminating pod either). The removal waits for the
 * endpoints, at most one more timeoutSeconds; undefined when there is nothing to wait for.
 */
export function holdForEndpoints(ctx: StepContext, deadline: number): Decision | undefined {
  const { obs, now, state, timing } = ctx;
  if (state.phase !== "Settling" || now >= deadline + timing.timeoutMs) return undefined;
  const routed = obs.gate === true || obs.listed === true;
  const leftAt = routed || obs.listed !== false ? undefined : (state.leftEndpointsAt ?? now);
  const propagating = leftAt !== undefined && now < leftAt + timing.settleMs;
  if (!routed && !propagating) return undefined;
  const untilPropagated = leftAt === undefined ? timing.pollMs : leftAt + timing.settleMs - now;
  const untilBound = deadline + timing.timeoutMs - now;
  return {
    state: { ...state, leftEndpointsAt: leftAt, heldAt: state.heldAt ?? now },
    events:
      state.heldAt === undefined
        ? [
            event(
              "Warning",
              "RemovalHeld",
              `drain timeout reached while a Service still routes to the pod (an EndpointSlice lists it as serving); its removal waits until it has left the endpoints, at most ${timing.timeoutMs / 1000}s more`,
            ),
          ]
        : [],
    requeueMs: Math.max(0, Math.min(timing.pollMs, untilPropagated, untilBound)),
  };
}
