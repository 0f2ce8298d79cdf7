// A drain under way (Settling, Quiescing, Draining): the deadline, reversals, and the app's answers to the quiesce.
import type { DrainState } from "../../api/pod-annotations.ts";
import { refusalsQuietAt, settledOnQuiet, withRefusals } from "./arrival-evidence.ts";
import {
  backToServing,
  finish,
  interrupted,
  isReversal,
  reversalCause,
  toUnquiescing,
} from "./drain-endings.ts";
import { holdForEndpoints, settling } from "./settling.ts";
import {
  type Decision,
  endpointErrorEvents,
  notReadyWith,
  pollAgain,
  type StepContext,
  withState,
} from "./step-result.ts";

export function draining(ctx: StepContext): Decision {
  const { obs, now, policy, timing } = ctx;
  if (obs.pod === "terminating") return interrupted(ctx);
  // A drain resumed without a readable start time restarts its clock once (the new time is persisted).
  const here = withState(ctx, {
    ...ctx.state,
    startedAt: ctx.state.startedAt ?? now,
    phaseEnteredAt: ctx.state.phaseEnteredAt ?? now,
  });
  const state = here.state;
  if (isReversal(here)) {
    if (state.phase === "Settling" || !policy.endpoint) {
      return backToServing(here, "Unquiesced", `${reversalCause(here)}; pod serves again`);
    }
    return toUnquiescing(here);
  }
  const probe = obs.probe?.result;
  const deadline = (state.startedAt ?? now) + timing.timeoutMs;
  if (state.phase !== "Settling" && policy.endpoint) {
    // After the quiesce, `refused` rising means a load balancer still sends here.
    const reading = withRefusals(state, probe, now);
    const d = afterQuiesce(withState(here, reading.state), deadline);
    return { ...d, events: [...reading.events, ...(d.events ?? [])] };
  }
  return underWay(here, deadline);
}

function afterQuiesce(here: StepContext, deadline: number): Decision {
  const { obs, now, timing, state } = here;
  const probe = obs.probe?.result;
  // A drained answer wins over a deadline reached while it was on its way.
  if (probe?.ok && probe.status.inFlight === 0) {
    // Removing the pod now would turn the refusals into connection errors: wait for them to stop, to the deadline.
    // When the settle ended on its timer or bound (traffic may still come), an app that counts refusals is read at
    // least one poll interval after its quiesce answer (its baseline is all a drained-at-once answer tells),
    // whatever woke the drain earlier.
    const enteredDraining = state.phase === "Draining" ? (state.phaseEnteredAt ?? now) : now;
    const confirm =
      probe.status.refused !== undefined &&
      !settledOnQuiet(state, enteredDraining, timing.pollMs, timing.maxSettleMs);
    const confirmAt = confirm ? enteredDraining + timing.pollMs : undefined;
    const refusalsAt = refusalsQuietAt(state, timing.pollMs, timing.maxSettleMs);
    const waits = [confirmAt, refusalsAt].filter((t): t is number => t !== undefined);
    const quietAt = waits.length === 0 ? undefined : Math.max(...waits);
    if (quietAt === undefined || now >= quietAt || now >= deadline) {
      return notReadyWith(here, finish(here, "Drained"));
    }
    const next: DrainState = {
      ...state,
      phase: "Draining",
      phaseEnteredAt: enteredDraining,
      inFlight: 0,
      lastError: undefined,
    };
    const requeueMs = Math.max(0, Math.min(timing.pollMs, quietAt - now, deadline - now));
    return notReadyWith(here, { state: next, requeueMs });
  }
  return underWay(here, deadline);
}

function underWay(here: StepContext, deadline: number): Decision {
  const { obs, now, policy, timing, state } = here;
  const probe = obs.probe?.result;
  // An endpoint failure seen in the step that also ends the settle or the drain is still reported.
  const failure = endpointErrorEvents(here, probe);
  if (now >= deadline) {
    const held = holdForEndpoints(here, deadline);
    if (held) return notReadyWith(here, held);
    return notReadyWith(here, finish(here, "TimedOut", probe), failure);
  }
  const wait = (ms: number) => Math.max(0, Math.min(ms, deadline - now));
  if (state.phase === "Settling") return notReadyWith(here, settling(here, failure, wait));
  if (!policy.endpoint) return notReadyWith(here, finish(here, "Drained"));
  if (!probe?.ok) return notReadyWith(here, pollAgain(here, probe, wait(timing.pollMs)));
  if (state.phase === "Draining" && probe.status.state === "serving") {
    // The app forgot the quiesce (it restarted): ask again.
    const next: DrainState = {
      ...state,
      phase: "Quiescing",
      phaseEnteredAt: now,
      inFlight: probe.status.inFlight,
    };
    return notReadyWith(here, { state: next, requeueMs: 0 });
  }
  const next: DrainState = {
    ...state,
    phase: "Draining",
    phaseEnteredAt: state.phase === "Draining" ? state.phaseEnteredAt : now,
    inFlight: probe.status.inFlight,
    lastError: undefined,
  };
  return notReadyWith(here, { state: next, requeueMs: wait(timing.pollMs) });
}
