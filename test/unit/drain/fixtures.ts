// Policies, observations and helpers shared by the drain state machine tests.
import type { DrainState } from "../../../operator/api/pod-annotations.ts";
import { quiescePolicySpecSchema } from "../../../operator/api/quiesce-policy.ts";
import type { DrainObservation, ProbeResult } from "../../../operator/controllers/drain/observation.ts";
import type {
  DrainAction,
  DrainPolicy,
  StepResult,
} from "../../../operator/controllers/drain/state-machine.ts";

export const T0 = Date.UTC(2025, 0, 2, 14, 0, 0);

export function policy(
  overrides: { endpoint?: boolean; mode?: "Enforce" | "DryRun"; drain?: object } = {},
): DrainPolicy {
  return quiescePolicySpecSchema.parse({
    selector: { matchLabels: { app: "sprout" } },
    mode: overrides.mode ?? "Enforce",
    endpoint: overrides.endpoint === false ? undefined : { port: "admin" },
    drain: { timeoutSeconds: 60, pollIntervalSeconds: 1, settleSeconds: 10, ...overrides.drain },
  });
}

export const ok = (
  inFlight: number,
  accepted = 100,
  state: "serving" | "quiescing" | "drained" = "quiescing",
): ProbeResult => ({
  ok: true,
  status: { state, inFlight, accepted },
});
export const fail = (kind: string, message = `${kind} happened`): ProbeResult => ({
  ok: false,
  kind,
  message,
});
export const ERROR_KINDS = [
  "refused",
  "timeout",
  "http-status",
  "invalid-body",
  "too-large",
  "unauthorized",
  "network",
];

export function base(phase: DrainState["phase"], extra: Partial<DrainState> = {}): DrainState {
  if (phase === "Serving") return { phase, ...extra };
  return {
    phase,
    policy: "sprout",
    reason: "rollout",
    via: "delete",
    requestedAt: T0,
    ...(phase === "Requested" ? {} : { startedAt: T0, phaseEnteredAt: T0 }),
    ...extra,
  };
}

export const present: DrainObservation = { pod: "present", gate: false };

export const kinds = (r: StepResult) => r.actions.map((a) => a.type);
export const events = (r: StepResult) =>
  r.actions.flatMap((a) => (a.type === "emitEvent" ? [`${a.eventType}/${a.reason}: ${a.message}`] : []));
export const requeueMs = (r: StepResult) =>
  r.actions.find((a): a is Extract<DrainAction, { type: "requeueAfter" }> => a.type === "requeueAfter")?.ms;
export const removes = (r: StepResult) =>
  r.actions.some((a) => a.type === "deletePod" || a.type === "evictPod");
