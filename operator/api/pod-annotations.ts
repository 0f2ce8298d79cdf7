// Names and parsing of the drain state the operator keeps on each pod (annotations and the serving gate).
import { z } from "zod";
import { EVIDENCE_ISSUES, type EvidenceIssue } from "./traffic-evidence.ts";

/** Readiness gate condition type injected into selected pods; False takes the pod out of the ready endpoints. */
export const SERVING_CONDITION = "quiesce.dev/serving";
/** The ReplicaSet controller removes pods with the lowest cost first (the operator writes it for scale-in). */
export const DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

export const ANNOTATIONS = {
  state: "quiesce.dev/state",
  policy: "quiesce.dev/policy",
  reason: "quiesce.dev/reason",
  /** How the removal began: `delete` or `evict` (the drain ends with the same call, so PDBs still hold). */
  via: "quiesce.dev/removal-via",
  requestedAt: "quiesce.dev/requested-at",
  /** Start of the quiesce (gate set False); the drain timeout is measured from here. */
  startedAt: "quiesce.dev/started-at",
  phaseEnteredAt: "quiesce.dev/phase-entered-at",
  /** When the drain first saw no EndpointSlice listing the pod as serving: the settle bound counts from here. */
  leftEndpointsAt: "quiesce.dev/left-endpoints-at",
  /** The deadline passed while a Service still routed to the pod: its removal waits for the endpoints since then. */
  heldAt: "quiesce.dev/removal-held-at",
  /** The app's `accepted` counter at the first reading of this removal, and when: the arrival rate counts from here. */
  firstAccepted: "quiesce.dev/first-accepted",
  firstAcceptedAt: "quiesce.dev/first-accepted-at",
  /** The app's `accepted` counter at the previous settle poll. */
  lastAccepted: "quiesce.dev/last-accepted",
  /** When `lastAccepted` was first read (its last change): how long the count has stood still counts from here. */
  lastAcceptedAt: "quiesce.dev/last-accepted-at",
  /** Why the counter last gave no evidence (went-down, jumped, unusable): one SettleOnTimer Event per cause. */
  evidenceIssue: "quiesce.dev/evidence-issue",
  /** When the settle first saw traffic still arriving settleSeconds after the pod left the endpoints. */
  trafficNotedAt: "quiesce.dev/traffic-noted-at",
  /** The app's `refused` counter at its last reading after the quiesce, and when it last rose. */
  lastRefused: "quiesce.dev/last-refused",
  lastRefusedAt: "quiesce.dev/last-refused-at",
  inFlight: "quiesce.dev/in-flight",
  /** Last endpoint error, so a repeated error emits one Event, not one per poll. */
  lastError: "quiesce.dev/last-error",
  /** Last budget refusal message, for the same reason. */
  refusal: "quiesce.dev/refusal",
  outcome: "quiesce.dev/outcome",
} as const;

export const DRAIN_PHASES = [
  "Serving",
  "Requested",
  "Settling",
  "Quiescing",
  "Draining",
  "Drained",
  "TimedOut",
  "Unquiescing",
] as const;
export type DrainPhase = (typeof DRAIN_PHASES)[number];

export const REMOVAL_REASONS = ["rollout", "scale-in", "delete", "eviction", "maintenance"] as const;
export type RemovalReason = (typeof REMOVAL_REASONS)[number];

export const REMOVAL_VIA = ["delete", "evict"] as const;
export type RemovalVia = (typeof REMOVAL_VIA)[number];

export const OUTCOMES = [
  "Drained",
  "TimedOut",
  "Kept",
  "Unquiesced",
  "UnquiesceFailed",
  "Interrupted",
  "DryRun",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The drain state of one pod; every field round-trips through the pod's annotations. Times are epoch ms. */
export interface DrainState {
  phase: DrainPhase;
  policy?: string;
  reason?: RemovalReason;
  via?: RemovalVia;
  requestedAt?: number;
  startedAt?: number;
  phaseEnteredAt?: number;
  leftEndpointsAt?: number;
  heldAt?: number;
  firstAccepted?: number;
  firstAcceptedAt?: number;
  lastAccepted?: number;
  lastAcceptedAt?: number;
  evidenceIssue?: EvidenceIssue;
  trafficNotedAt?: number;
  lastRefused?: number;
  lastRefusedAt?: number;
  inFlight?: number;
  lastError?: string;
  refusal?: string;
  outcome?: Outcome;
}

export const SERVING: DrainState = { phase: "Serving" };
const MAX_TEXT = 512;

const optional = <T extends z.ZodType>(s: T) => s.optional().catch(undefined);
const time = optional(
  z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    .transform((v) => Date.parse(v))
    .pipe(z.number().finite()),
);
const counter = optional(
  z
    .string()
    .regex(/^\d{1,16}$/)
    .transform(Number)
    .pipe(z.number().max(Number.MAX_SAFE_INTEGER)),
);
const text = optional(z.string().transform((v) => v.slice(0, MAX_TEXT)));

const annotationsSchema = z.object({
  [ANNOTATIONS.state]: z.enum(DRAIN_PHASES).catch("Serving"),
  [ANNOTATIONS.policy]: optional(z.string().min(1).max(253)),
  [ANNOTATIONS.reason]: optional(z.enum(REMOVAL_REASONS)),
  [ANNOTATIONS.via]: optional(z.enum(REMOVAL_VIA)),
  [ANNOTATIONS.requestedAt]: time,
  [ANNOTATIONS.startedAt]: time,
  [ANNOTATIONS.phaseEnteredAt]: time,
  [ANNOTATIONS.leftEndpointsAt]: time,
  [ANNOTATIONS.heldAt]: time,
  [ANNOTATIONS.firstAccepted]: counter,
  [ANNOTATIONS.firstAcceptedAt]: time,
  [ANNOTATIONS.lastAccepted]: counter,
  [ANNOTATIONS.lastAcceptedAt]: time,
  [ANNOTATIONS.evidenceIssue]: optional(z.enum(EVIDENCE_ISSUES)),
  [ANNOTATIONS.trafficNotedAt]: time,
  [ANNOTATIONS.lastRefused]: counter,
  [ANNOTATIONS.lastRefusedAt]: time,
  [ANNOTATIONS.inFlight]: counter,
  [ANNOTATIONS.lastError]: text,
  [ANNOTATIONS.refusal]: text,
  [ANNOTATIONS.outcome]: optional(z.enum(OUTCOMES)),
});

const DRAIN_KEYS: ReadonlySet<string> = new Set(Object.values(ANNOTATIONS));

/** Whether any of the drain annotations is set: most pods carry none, and the schema costs ~20 parses a read. */
function hasDrainAnnotation(annotations: object): boolean {
  for (const key in annotations) {
    if (DRAIN_KEYS.has(key)) return true;
  }
  return false;
}

/** Reads the drain state from a pod's annotations. Never throws: garbage reads as absent (a missing state is Serving). */
export function fromAnnotations(annotations: unknown): DrainState {
  const source = typeof annotations === "object" && annotations !== null ? annotations : {};
  if (!hasDrainAnnotation(source)) return { ...SERVING };
  const parsed = annotationsSchema.safeParse(source);
  if (!parsed.success) return { ...SERVING };
  const a = parsed.data;
  const state: DrainState = {
    phase: a[ANNOTATIONS.state],
    policy: a[ANNOTATIONS.policy],
    reason: a[ANNOTATIONS.reason],
    via: a[ANNOTATIONS.via],
    requestedAt: a[ANNOTATIONS.requestedAt],
    startedAt: a[ANNOTATIONS.startedAt],
    phaseEnteredAt: a[ANNOTATIONS.phaseEnteredAt],
    leftEndpointsAt: a[ANNOTATIONS.leftEndpointsAt],
    heldAt: a[ANNOTATIONS.heldAt],
    firstAccepted: a[ANNOTATIONS.firstAccepted],
    firstAcceptedAt: a[ANNOTATIONS.firstAcceptedAt],
    lastAccepted: a[ANNOTATIONS.lastAccepted],
    lastAcceptedAt: a[ANNOTATIONS.lastAcceptedAt],
    evidenceIssue: a[ANNOTATIONS.evidenceIssue],
    trafficNotedAt: a[ANNOTATIONS.trafficNotedAt],
    lastRefused: a[ANNOTATIONS.lastRefused],
    lastRefusedAt: a[ANNOTATIONS.lastRefusedAt],
    inFlight: a[ANNOTATIONS.inFlight],
    lastError: a[ANNOTATIONS.lastError],
    refusal: a[ANNOTATIONS.refusal],
    outcome: a[ANNOTATIONS.outcome],
  };
  return compact(state);
}

/**
 * The annotations for a state, as a merge-patch fragment: absent fields map to null so the patch removes them.
 */
export function toAnnotations(input: DrainState): Record<string, string | null> {
  const state = sanitizeDrainState(input);
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const num = (n: number | undefined) => (n === undefined ? null : String(n));
  const str = (s: string | undefined) => (s === undefined ? null : s.slice(0, MAX_TEXT));
  return {
    [ANNOTATIONS.state]: state.phase,
    [ANNOTATIONS.policy]: str(state.policy),
    [ANNOTATIONS.reason]: str(state.reason),
    [ANNOTATIONS.via]: str(state.via),
    [ANNOTATIONS.requestedAt]: iso(state.requestedAt),
    [ANNOTATIONS.startedAt]: iso(state.startedAt),
    [ANNOTATIONS.phaseEnteredAt]: iso(state.phaseEnteredAt),
    [ANNOTATIONS.leftEndpointsAt]: iso(state.leftEndpointsAt),
    [ANNOTATIONS.heldAt]: iso(state.heldAt),
    [ANNOTATIONS.firstAccepted]: num(state.firstAccepted),
    [ANNOTATIONS.firstAcceptedAt]: iso(state.firstAcceptedAt),
    [ANNOTATIONS.lastAccepted]: num(state.lastAccepted),
    [ANNOTATIONS.lastAcceptedAt]: iso(state.lastAcceptedAt),
    [ANNOTATIONS.evidenceIssue]: str(state.evidenceIssue),
    [ANNOTATIONS.trafficNotedAt]: iso(state.trafficNotedAt),
    [ANNOTATIONS.lastRefused]: num(state.lastRefused),
    [ANNOTATIONS.lastRefusedAt]: iso(state.lastRefusedAt),
    [ANNOTATIONS.inFlight]: num(state.inFlight),
    [ANNOTATIONS.lastError]: str(state.lastError),
    [ANNOTATIONS.refusal]: str(state.refusal),
    [ANNOTATIONS.outcome]: str(state.outcome),
  };
}

const MAX_TIME = 253402300799999; // 9999-12-31T23:59:59.999Z, the last instant an annotation can hold
const stateTime = z.number().int().min(0).max(MAX_TIME).optional().catch(undefined);
const stateCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().catch(undefined);
const drainStateSchema = z.object({
  phase: z.enum(DRAIN_PHASES).catch("Serving"),
  policy: optional(z.string().min(1).max(253)),
  reason: optional(z.enum(REMOVAL_REASONS)),
  via: optional(z.enum(REMOVAL_VIA)),
  requestedAt: stateTime,
  startedAt: stateTime,
  phaseEnteredAt: stateTime,
  leftEndpointsAt: stateTime,
  heldAt: stateTime,
  firstAccepted: stateCount,
  firstAcceptedAt: stateTime,
  lastAccepted: stateCount,
  lastAcceptedAt: stateTime,
  evidenceIssue: optional(z.enum(EVIDENCE_ISSUES)),
  trafficNotedAt: stateTime,
  lastRefused: stateCount,
  lastRefusedAt: stateTime,
  inFlight: stateCount,
  lastError: text,
  refusal: text,
  outcome: optional(z.enum(OUTCOMES)),
});

/** Coerces any value to a DrainState that toAnnotations can write: invalid fields are dropped. Never throws. */
export function sanitizeDrainState(input: unknown): DrainState {
  const r = drainStateSchema.safeParse(typeof input === "object" && input !== null ? input : {});
  return r.success ? compact(r.data as DrainState) : { ...SERVING };
}

/** Drops undefined fields, so states compare with toEqual and serialise stably. */
export function compact(state: DrainState): DrainState {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state)) if (v !== undefined) out[k] = v;
  return out as unknown as DrainState;
}

/** The condition status of the serving gate on a pod (`undefined` when absent), from `status.conditions`. */
export function servingGateStatus(conditions: unknown): boolean | undefined {
  if (!Array.isArray(conditions)) return undefined;
  for (const c of conditions) {
    if (typeof c === "object" && c !== null && (c as { type?: unknown }).type === SERVING_CONDITION) {
      const status = (c as { status?: unknown }).status;
      return status === "True" ? true : status === "False" ? false : undefined;
    }
  }
  return undefined;
}
