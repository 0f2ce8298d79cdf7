// Pure: the scale-in bench's parts: work of uniform random length, when a scale-in is over, and what the pods it
// removed had in flight at the scale.
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import type { RequestClass, RequestOutcome } from "../traffic/index.ts";
import type { RolloutRun } from "./rollout-run.ts";

/** The ReplicaSet removes the pods with the lowest cost first (the operator writes it under scaleIn.preferIdle). */
export const DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

/** `/work?ms=N` for N from `fromMs` to `toMs` every `stepMs`, equally weighted: work of uniform random length. */
export function uniformWorkMix(
  fromMs: number,
  toMs: number,
  stepMs: number,
  cls: RequestClass = "long",
): { path: string; weight: number; class: RequestClass }[] {
  if (stepMs <= 0 || toMs < fromMs)
    throw new Error(`uniformWorkMix: bad range ${fromMs}..${toMs} by ${stepMs}`);
  const count = Math.floor((toMs - fromMs) / stepMs) + 1;
  return Array.from({ length: count }, (_, i) => ({
    path: `/work?ms=${fromMs + i * stepMs}`,
    weight: 1,
    class: cls,
  }));
}

const ready = (p: V1Pod) =>
  p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/**
 * The scale-in is over: the Deployment has seen its spec, counts `replicas` pods, all ready, and of its pods exactly
 * `replicas` are left, all Ready, none terminating (a drained pod is gone, not only asked to go).
 */
export function scaleInDone(d: V1Deployment, pods: readonly V1Pod[], replicas: number): boolean {
  const s = d.status;
  return (
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    s?.replicas === replicas &&
    s?.readyReplicas === replicas &&
    pods.length === replicas &&
    pods.every((p) => p.metadata?.deletionTimestamp == null && ready(p))
  );
}

/** One pod at the moment of the scale. */
export interface PodAtScale {
  name: string;
  ip?: string;
  /** Its `inFlight` from its quiesce endpoint, read just before the scale; absent when the read failed. */
  inFlight?: number;
  /** Long requests of the bench in flight on it at the scale (from the request outcomes). */
  longInFlight: number;
  /** Its pod-deletion-cost annotation at the scale, if any. */
  cost?: string;
}

/** A scale-in run: a rollout run whose `startedAt` is the replicas patch and `finishedAt` the end of the scale-in. */
export interface ScaleInRun extends RolloutRun {
  scaleFrom: number;
  scaleTo: number;
  atScale: PodAtScale[];
  /** The pods the scale-in removed (there at the scale, gone at its end). */
  removed: string[];
}

/** Long requests that had started on `ip` by `at` and not yet ended. */
export function longInFlightAt(
  outcomes: readonly Pick<RequestOutcome, "class" | "start" | "end" | "endpoint">[],
  ip: string | undefined,
  at: number,
): number {
  if (ip === undefined) return 0;
  return outcomes.filter((o) => o.class === "long" && o.endpoint === ip && o.start <= at && o.end > at)
    .length;
}

/** The pods there at the scale that are no longer among `remaining` (names). */
export function removedAt(atScale: readonly { name: string }[], remaining: readonly string[]): string[] {
  const left = new Set(remaining);
  return atScale.map((p) => p.name).filter((name) => !left.has(name));
}

export interface ScaleInFigures {
  /** Replicas patch to the Deployment at its new count, all Ready, no pod terminating. */
  scaleInSeconds: number;
  /** Per removed pod, its in-flight count at the scale from its quiesce endpoint (null: not read). */
  removedPodsInFlight: (number | null)[];
  /** Per removed pod, the bench's long requests in flight on it at the scale. */
  removedPodsLongInFlight: number[];
  /** Pods that carried a pod-deletion-cost at the scale. */
  podsWithCostAtScale: number;
}

/** The figures of one scale-in run; removed pods in the order they were listed at the scale. */
export function scaleInFigures(run: ScaleInRun): ScaleInFigures {
  const removed = new Set(run.removed);
  const gone = run.atScale.filter((p) => removed.has(p.name));
  return {
    scaleInSeconds: (run.finishedAt - run.startedAt) / 1000,
    removedPodsInFlight: gone.map((p) => p.inFlight ?? null),
    removedPodsLongInFlight: gone.map((p) => p.longInFlight),
    podsWithCostAtScale: run.atScale.filter((p) => p.cost !== undefined).length,
  };
}

const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

/** An entry's scale-in figures over its runs: mean time, the in-flight counts of the removed pods summed and listed. */
export function aggregateScaleIn(runs: readonly ScaleInFigures[]) {
  const counts = runs.flatMap((r) => r.removedPodsInFlight);
  const long = runs.flatMap((r) => r.removedPodsLongInFlight);
  const mean = runs.length === 0 ? 0 : runs.reduce((a, r) => a + r.scaleInSeconds, 0) / runs.length;
  return {
    scaleInSeconds: Number(mean.toFixed(1)),
    /** In flight on the removed pods at the scale (their quiesce endpoints): the sum, and per pod over all runs. */
    removedPodsInFlight: { sum: sum(counts), counts },
    /** The bench's long requests in flight on the removed pods at the scale: the sum, and per pod. */
    removedPodsLongInFlight: { sum: sum(long), counts: long },
  };
}

/** "3 (0, 0, 1, 2)"; "-" for nothing, "?" for a count not read. */
export function inFlightCell(x: { sum: number; counts: readonly (number | null)[] } | undefined): string {
  if (x === undefined) return "-";
  return `${x.sum} (${x.counts.map((c) => (c === null ? "?" : String(c))).join(", ")})`;
}

/** "web-a 0 (0 in flight), web-b 1 (1 in flight), web-c none (2 in flight)": the log line of the costs at the scale. */
export function costsLine(atScale: readonly Pick<PodAtScale, "name" | "inFlight" | "cost">[]): string {
  return atScale.map((p) => `${p.name} ${p.cost ?? "none"} (${p.inFlight ?? "?"} in flight)`).join(", ");
}

/** The pods' pod-deletion-cost annotations by name (absent when unset). */
export function deletionCosts(pods: readonly V1Pod[]): Map<string, string | undefined> {
  return new Map(
    pods.map((p) => [p.metadata?.name ?? "", p.metadata?.annotations?.[DELETION_COST_ANNOTATION]] as const),
  );
}
