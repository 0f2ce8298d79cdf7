// Reads the quiesce state the operator records on a pod (annotations under quiesce.dev/), pure.
import type { PodView } from "./views.ts";

export const ANNOTATION_PREFIX = "quiesce.dev/";
export const STATE_ANNOTATION = "quiesce.dev/state";
export const POLICY_ANNOTATION = "quiesce.dev/policy";
export const STARTED_AT_ANNOTATION = "quiesce.dev/started-at";
export const REASON_ANNOTATION = "quiesce.dev/reason";
export const IN_FLIGHT_ANNOTATION = "quiesce.dev/in-flight";
export const BREAK_GLASS_ANNOTATION = "quiesce.dev/break-glass";

export const DRAIN_STATES = ["Serving", "Quiescing", "Draining", "Drained", "TimedOut"] as const;
export type DrainState = (typeof DRAIN_STATES)[number];

export interface RecordedDrain {
  state: DrainState | undefined;
  /** `namespace/name` of the policy that started the drain, when recorded. */
  policy: string | undefined;
  startedAt: Date | undefined;
  reason: string | undefined;
  inFlight: number | undefined;
}

function annotation(pod: PodView, key: string): string | undefined {
  const value = pod.metadata?.annotations?.[key];
  return value === undefined || value === "" ? undefined : value;
}

function parseState(value: string | undefined): DrainState | undefined {
  return DRAIN_STATES.find((s) => s === value);
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** The drain recorded on the pod; malformed values read as unknown rather than failing the request. */
export function recordedDrain(pod: PodView): RecordedDrain {
  return {
    state: parseState(annotation(pod, STATE_ANNOTATION)),
    policy: annotation(pod, POLICY_ANNOTATION),
    startedAt: parseDate(annotation(pod, STARTED_AT_ANNOTATION)),
    reason: annotation(pod, REASON_ANNOTATION),
    inFlight: parseCount(annotation(pod, IN_FLIGHT_ANNOTATION)),
  };
}

/** The break-glass reason, when someone has set the annotation (non-blank). */
export function breakGlassReason(pod: PodView): string | undefined {
  const value = pod.metadata?.annotations?.[BREAK_GLASS_ANNOTATION]?.trim();
  return value ? value : undefined;
}
