// The deny-and-wake deletion gate (DESIGN §3), pure: a pod DELETE or eviction -> allow or deny, plus effects as data.

import type { DrainState, RemovalReason, RemovalVia } from "../api/pod-annotations.ts";
import {
  conditionTrue,
  drainStateOf,
  hasServingGate,
  isRunning,
  isTerminating,
  type PodView,
} from "../api/pod-view.ts";
import {
  governingPolicy,
  isDryRun,
  type PolicyView,
  policyKey,
  selectingPolicies,
} from "../api/policy-match.ts";
import { removalDeadline } from "../api/removal-deadline.ts";
import type { GateUser, PodRef, StartDrainEffect } from "../api/removal-request.ts";
import { BREAK_GLASS_ANNOTATION, breakGlassReason, classifyPhase } from "./pod-state.ts";

export type { GateUser, PodRef, StartDrainEffect };

export interface GateInput {
  via: RemovalVia;
  /** The pod as it is now; undefined when it does not exist (the API server will answer 404 itself). */
  pod: PodView | undefined;
  /** The QuiescePolicies of the pod's namespace; the gate does the selecting. */
  policies: readonly PolicyView[];
  user: GateUser;
  /** The request's dryRun flag: answer as for a real request, but emit no effects. */
  dryRun: boolean;
  now: Date;
  /** An EndpointSlice lists the pod as serving: a Service routes traffic to it. */
  routedByService?: boolean;
}

export type AllowReason =
  | "pod-not-found"
  | "not-selected"
  | "terminating"
  | "drain-finished"
  | "break-glass"
  | "not-running"
  | "not-ready"
  | "dry-run-policy"
  | "ungated";

/** DryRun policies would have drained this pod now: the controller reports what the drain would have waited for. */
export interface DryRunReportEffect {
  kind: "dryRunReport";
  pod: PodRef;
  /** Names of the DryRun policies selecting the pod. */
  policies: string[];
  reason: RemovalReason;
  via: RemovalVia;
  at: Date;
  user: GateUser;
}

/** Someone removed a selected pod through break-glass: the controller emits an Event naming `user`. */
export interface BreakGlassEffect {
  kind: "breakGlassUsed";
  pod: PodRef;
  policy: string;
  via: RemovalVia;
  user: GateUser;
  /** The annotation's text. */
  reason: string;
  at: Date;
}

export type GateEffect = StartDrainEffect | DryRunReportEffect | BreakGlassEffect;

export type GateDecision =
  | { allowed: true; reason: AllowReason; effects: GateEffect[] }
  | {
      allowed: false;
      /**
       * 429 TooManyRequests for evictions: what a PodDisruptionBudget refusal returns, so `kubectl drain` and
       * other eviction clients retry. 403 Forbidden for deletes: the conventional admission denial; deleters
       * (ReplicaSet controller, garbage collector) retry any error with backoff, and people read the message.
       */
      code: 403 | 429;
      statusReason: "Forbidden" | "TooManyRequests";
      message: string;
      effects: GateEffect[];
    };

function allow(reason: AllowReason, effects: GateEffect[] = []): GateDecision {
  return { allowed: true, reason, effects };
}

function deny(via: RemovalVia, message: string, effects: GateEffect[]): GateDecision {
  return via === "evict"
    ? { allowed: false, code: 429, statusReason: "TooManyRequests", message, effects }
    : { allowed: false, code: 403, statusReason: "Forbidden", message, effects };
}

/** `14:05:31Z` when the deadline falls on today's UTC date, else the full `2025-01-02T14:05:31Z`. */
export function formatDeadline(deadline: Date, now: Date): string {
  const iso = deadline.toISOString().replace(/\.\d{3}Z$/, "Z");
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? iso.slice(11) : iso;
}

/** The message a person reads for a pod whose removal waits for its drain. */
export function drainMessage(args: {
  pod: PodRef;
  policy: PolicyView;
  drain: DrainState;
  now: Date;
}): string {
  const { pod, policy, drain, now } = args;
  const name = policyKey(policy);
  const verb = drain.via === "evict" ? "evicted" : "deleted";
  const timeout = policy.spec.drain.timeoutSeconds;
  const keep = policy.spec.drain.onTimeout === "Keep";
  const hint = `; to remove it now: kubectl annotate pod -n ${pod.namespace} ${pod.name} ${BREAK_GLASS_ANNOTATION}="<reason>"`;
  // A request the budget refused waits; one without a refusal starts at once (the API server calls this webhook
  // again right after the first denial recorded it, and that second answer is the one a person reads).
  if (drain.phase === "Requested" && drain.startedAt === undefined && drain.refusal) {
    const why = ` (${drain.refusal})`;
    return (
      `pod is waiting to drain under QuiescePolicy ${name}${why}: ${verb} when drained, ` +
      `at most ${timeout}s after its drain starts${keep ? " (onTimeout: Keep)" : ""}${hint}`
    );
  }
  const start = drain.startedAt ?? drain.requestedAt ?? now.getTime();
  const when = formatDeadline(new Date(removalDeadline(drain, timeout, start) ?? start), now);
  const held = drain.heldAt === undefined ? "" : "removal held while a Service still routes to it, ";
  const inFlight = drain.inFlight === undefined ? "" : `${drain.inFlight} in flight, `;
  const end = keep
    ? `${verb} when drained (kept if still busy at ${when}, onTimeout: Keep)`
    : `${verb} when drained or by ${when}`;
  return `pod is draining under QuiescePolicy ${name}: ${held}${inFlight}${end}${hint}`;
}

/**
 * Decides a pod DELETE or eviction. In order:
 *  1. allow a pod that does not exist, that no policy selects, or that is already terminating;
 *  2. allow a pod whose drain finished (phase `Drained`/`TimedOut`): this is how the operator's own delete or
 *     eviction passes, because it records the outcome before removing the pod;
 *  3. only DryRun policies select it: allow (and report the would-be drain when the pod is running and Ready);
 *  4. break-glass (non-blank `quiesce.dev/break-glass` annotation): allow, and report who removed it;
 *  5. removal already in progress (Requested/Settling/Quiescing/Draining): deny with its progress (the pod is
 *     NotReady by our own gate by now, so this check comes before the readiness one);
 *  6. Unquiescing (a reversed drain): deny and start a drain again;
 *  7. allow a pod that is not running or not Ready (nothing to drain), or one a Service routes to that has no
 *     readiness gate (a drain could not take it out of the endpoints; its deletion does);
 *  8. otherwise start a drain and deny.
 * Nobody is special-cased: the garbage collector, the ReplicaSet controller, the node drainer and people all go
 * through the same rules. With `dryRun` the answer is the same but no effect is emitted (`sideEffects: NoneOnDryRun`).
 */
export function decideDeletion(input: GateInput): GateDecision {
  const { via, pod, policies, user, dryRun, now } = input;
  if (pod === undefined) return allow("pod-not-found");
  const ref: PodRef = { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" };
  const reason: RemovalReason = via === "evict" ? "eviction" : "delete";
  const effects = (list: GateEffect[]): GateEffect[] => (dryRun ? [] : list);

  const policy = governingPolicy(pod, policies);
  if (policy === undefined) return allow("not-selected");
  if (isTerminating(pod)) return allow("terminating");
  const drain = drainStateOf(pod);
  const phase = classifyPhase(drain.phase);
  if (phase === "finished") return allow("drain-finished");
  const running = isRunning(pod);
  const ready = conditionTrue(pod, "Ready");

  if (isDryRun(policy)) {
    if (!running) return allow("not-running");
    if (!ready) return allow("not-ready");
    const names = selectingPolicies(pod, policies)
      .filter(isDryRun)
      .map((p) => p.metadata?.name ?? "");
    return allow(
      "dry-run-policy",
      effects([{ kind: "dryRunReport", pod: ref, policies: names, reason, via, at: now, user }]),
    );
  }
  const policyName = policy.metadata?.name ?? "";

  const breakGlass = breakGlassReason(pod);
  if (breakGlass !== undefined) {
    return allow(
      "break-glass",
      effects([
        { kind: "breakGlassUsed", pod: ref, policy: policyName, via, user, reason: breakGlass, at: now },
      ]),
    );
  }
  if (phase === "active") return deny(via, drainMessage({ pod: ref, policy, drain, now }), []);
  if (phase !== "unquiescing") {
    if (!running) return allow("not-running");
    if (!ready) return allow("not-ready");
    // Without our readiness gate (created before the policy, or while the webhook was down) a drain cannot take
    // the pod out of a Service's endpoints, and quiescing it there would refuse live traffic for the whole drain.
    // Its deletion does take it out (terminating endpoints are not ready), so let the deletion through.
    if (input.routedByService === true && !hasServingGate(pod)) return allow("ungated");
  }

  const start: StartDrainEffect = {
    kind: "startDrain",
    pod: ref,
    policy: policyName,
    reason,
    via,
    requestedAt: now,
    user,
  };
  // What the drain will look like once recorded (nothing from an earlier, reversed drain carries over).
  const fresh: DrainState = { phase: "Settling", policy: policyName, reason, via, startedAt: now.getTime() };
  return deny(via, drainMessage({ pod: ref, policy, drain: fresh, now }), effects([start]));
}
