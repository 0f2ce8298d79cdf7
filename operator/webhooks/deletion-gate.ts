// The deny-and-wake deletion gate (DESIGN §3), pure: a pod DELETE or eviction -> allow or deny, plus effects as data.

import { selectorMatches } from "./label-selector.ts";
import { enforcingPolicies } from "./mutate-pod.ts";
import { BREAK_GLASS_ANNOTATION, breakGlassReason, type RecordedDrain, recordedDrain } from "./pod-state.ts";
import { isDryRun, type PodView, type PolicyView, policyKey, sortPolicies } from "./views.ts";

export type GateOperation = "delete" | "evict";
export type DrainReason = "delete" | "eviction";

export interface GateUser {
  username?: string;
  uid?: string;
  groups?: readonly string[];
}

export interface GateInput {
  operation: GateOperation;
  /** The pod as it is now; undefined when it does not exist (the API server will answer 404 itself). */
  pod: PodView | undefined;
  /** The QuiescePolicies of the pod's namespace; the gate does the selecting. */
  policies: readonly PolicyView[];
  user: GateUser;
  /** The request's dryRun flag: answer as for a real request, but emit no effects. */
  dryRun: boolean;
  now: Date;
}

export type AllowReason =
  | "pod-not-found"
  | "not-selected"
  | "terminating"
  | "drain-finished"
  | "break-glass"
  | "not-running"
  | "not-ready"
  | "dry-run-policy";

export interface PodRef {
  namespace: string;
  name: string;
}

/** Record the start of a drain on the pod (annotations: state Quiescing, policy, started-at, reason) and enqueue it. */
export interface StartDrainEffect {
  kind: "startDrain";
  pod: PodRef;
  policy: string;
  reason: DrainReason;
  startedAt: Date;
  deadline: Date;
}

/** A DryRun policy would have drained this pod now: the controller reports what the drain would have waited for. */
export interface DryRunReportEffect {
  kind: "dryRunReport";
  pod: PodRef;
  policies: string[];
  reason: DrainReason;
  at: Date;
}

/** Someone removed a selected pod through break-glass: the controller emits an Event naming `user`. */
export interface BreakGlassEffect {
  kind: "breakGlassUsed";
  pod: PodRef;
  policy: string;
  operation: GateOperation;
  user: GateUser;
  reason: string;
  at: Date;
}

export type GateEffect = StartDrainEffect | DryRunReportEffect | BreakGlassEffect;

export type GateDecision =
  | { allowed: true; reason: AllowReason; effects: GateEffect[] }
  | {
      allowed: false;
      /** 429 for evictions (`kubectl drain` and the eviction API's clients retry it), 403 for deletes. */
      code: 403 | 429;
      statusReason: "Forbidden" | "TooManyRequests";
      message: string;
      effects: GateEffect[];
    };

function allow(reason: AllowReason, effects: GateEffect[] = []): GateDecision {
  return { allowed: true, reason, effects };
}

function isRunningAndReady(pod: PodView): { running: boolean; ready: boolean } {
  const running = pod.status?.phase === "Running";
  const ready = pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  return { running, ready };
}

function isDrainFinished(drain: RecordedDrain): boolean {
  return drain.state === "Drained" || drain.state === "TimedOut";
}

function isDrainInProgress(drain: RecordedDrain): boolean {
  return drain.state === "Quiescing" || drain.state === "Draining";
}

/** `14:05:31Z` when the deadline falls on today's UTC date, else the full `2025-01-02T14:05:31Z`. */
export function formatDeadline(deadline: Date, now: Date): string {
  const iso = deadline.toISOString().replace(/\.\d{3}Z$/, "Z");
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? iso.slice(11) : iso;
}

function drainMessage(args: {
  pod: PodRef;
  policy: PolicyView;
  drain: RecordedDrain;
  reason: DrainReason;
  startedAt: Date;
  now: Date;
}): string {
  const { pod, policy, drain, reason, startedAt, now } = args;
  const deadline = new Date(startedAt.getTime() + policy.spec.drain.timeoutSeconds * 1000);
  const when = formatDeadline(deadline, now);
  const verb = reason === "eviction" ? "evicted" : "deleted";
  const inFlight = drain.inFlight === undefined ? "" : `${drain.inFlight} in flight, `;
  const end =
    policy.spec.drain.onTimeout === "Keep"
      ? `${verb} when drained (kept if still busy at ${when}, onTimeout: Keep)`
      : `${verb} when drained or by ${when}`;
  return (
    `pod is draining under QuiescePolicy ${policyKey(policy)}: ${inFlight}${end}; ` +
    `to remove it now: kubectl annotate pod -n ${pod.namespace} ${pod.name} ${BREAK_GLASS_ANNOTATION}="<reason>"`
  );
}

function deny(operation: GateOperation, message: string, effects: GateEffect[]): GateDecision {
  return operation === "evict"
    ? { allowed: false, code: 429, statusReason: "TooManyRequests", message, effects }
    : { allowed: false, code: 403, statusReason: "Forbidden", message, effects };
}

/**
 * Decides a pod DELETE or eviction. In order:
 *  1. allow a pod that does not exist, that no policy selects, or that is already terminating;
 *  2. allow a pod whose drain finished (`Drained`/`TimedOut`): this is how the operator's own delete passes,
 *     because it records the outcome before deleting;
 *  3. only DryRun policies select it: allow (report the would-be drain when the pod is running and ready);
 *  4. break-glass (non-blank `quiesce.dev/break-glass` annotation): allow, and report who removed it;
 *  5. a drain in progress (`Quiescing`/`Draining`): deny with its progress, even though the pod is NotReady by now;
 *  6. allow a pod that is not running or not Ready (nothing to drain);
 *  7. otherwise start a drain and deny.
 * Nobody is special-cased: the garbage collector, the ReplicaSet controller and people all go through the same
 * rules. With `dryRun` the answer is the same but no effect is emitted (webhooks declare `NoneOnDryRun`).
 */
export function decideDeletion(input: GateInput): GateDecision {
  const { operation, pod, policies, user, dryRun, now } = input;
  if (pod === undefined) return allow("pod-not-found");
  const ref: PodRef = { namespace: pod.metadata?.namespace ?? "", name: pod.metadata?.name ?? "" };
  const reason: DrainReason = operation === "evict" ? "eviction" : "delete";
  const effects = (list: GateEffect[]): GateEffect[] => (dryRun ? [] : list);

  const enforcing = enforcingPolicies(pod, policies);
  const dryRunOnly = sortPolicies(
    policies.filter((p) => isDryRun(p) && selectorMatches(p.spec.selector, pod.metadata?.labels)),
  );
  if (enforcing.length === 0 && dryRunOnly.length === 0) return allow("not-selected");
  if (pod.metadata?.deletionTimestamp) return allow("terminating");
  const drain = recordedDrain(pod);
  if (isDrainFinished(drain)) return allow("drain-finished");
  const { running, ready } = isRunningAndReady(pod);

  const [first] = enforcing;
  if (first === undefined) {
    if (!running) return allow("not-running");
    if (!ready) return allow("not-ready");
    return allow(
      "dry-run-policy",
      effects([{ kind: "dryRunReport", pod: ref, policies: dryRunOnly.map(policyKey), reason, at: now }]),
    );
  }
  // The policy that started a drain stays in charge of it while it still selects the pod.
  const policy = enforcing.find((p) => policyKey(p) === drain.policy) ?? first;

  const breakGlass = breakGlassReason(pod);
  if (breakGlass !== undefined) {
    return allow(
      "break-glass",
      effects([
        {
          kind: "breakGlassUsed",
          pod: ref,
          policy: policyKey(policy),
          operation,
          user,
          reason: breakGlass,
          at: now,
        },
      ]),
    );
  }

  if (isDrainInProgress(drain)) {
    const startedAt = drain.startedAt ?? now;
    const drainReason: DrainReason = drain.reason === "eviction" ? "eviction" : "delete";
    return deny(
      operation,
      drainMessage({ pod: ref, policy, drain, reason: drainReason, startedAt, now }),
      [],
    );
  }
  if (!running) return allow("not-running");
  if (!ready) return allow("not-ready");

  const deadline = new Date(now.getTime() + policy.spec.drain.timeoutSeconds * 1000);
  const start: StartDrainEffect = {
    kind: "startDrain",
    pod: ref,
    policy: policyKey(policy),
    reason,
    startedAt: now,
    deadline,
  };
  // A new drain: any in-flight count on the pod is left over from an earlier, reversed one.
  const fresh: RecordedDrain = { ...drain, inFlight: undefined };
  return deny(
    operation,
    drainMessage({ pod: ref, policy, drain: fresh, reason, startedAt: now, now }),
    effects([start]),
  );
}
