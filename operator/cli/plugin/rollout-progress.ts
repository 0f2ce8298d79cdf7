// Follows one workload's rollout from snapshots: old pods seen, drains done, drained and timed out; pure.
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { isRemovalInProgress } from "../../api/drain-phases.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { formatDuration } from "./duration.ts";
import { type PodStatusRow, podStatusRow } from "./pod-status.ts";
import type { WorkloadState } from "./rollout-workloads.ts";

export const DRAINED_EVENT = "Drained";
export const TIMED_OUT_EVENT = "DrainTimedOut";

export interface RolloutSnapshot {
  workload: WorkloadState;
  pods: readonly V1Pod[];
  /** Drained and DrainTimedOut Events of the namespace. */
  events: readonly CoreV1Event[];
  policies: readonly QuiescePolicy[];
  now: number;
}

export interface RolloutProgress {
  desired: number;
  updated: number;
  available: number;
  complete: boolean;
  drains: {
    /** Old pods of this rollout: seen while following, or named by a drain Event since it began. */
    total: number;
    /** Old pods gone. */
    done: number;
    drained: number;
    timedOut: number;
    /** Old pods the operator is draining now. */
    active: PodStatusRow[];
  };
  timedOutPods: string[];
}

const eventTime = (e: CoreV1Event) => {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
};

/** Pods by UID (a StatefulSet's new pod has its old pod's name); by name where a UID is missing. */
const podKey = (pod: V1Pod) => pod.metadata?.uid ?? pod.metadata?.name ?? "";
const eventKey = (e: CoreV1Event) => e.involvedObject?.uid ?? e.involvedObject?.name ?? "";

export class RolloutTracker {
  private readonly old = new Map<string, PodStatusRow>();
  private readonly names = new Map<string, string>();
  private readonly initial: ReadonlySet<string>;
  private readonly since: number;

  /**
   * @param since Drain Events older than this (epoch ms) belong to earlier rollouts.
   * @param initialPods Pods known to be old before the new ReplicaSet exists (the pods when a restart began).
   */
  constructor(since: number, initialPods: readonly string[] = []) {
    this.since = since;
    this.initial = new Set(initialPods);
  }

  observe(s: RolloutSnapshot): RolloutProgress {
    const w = s.workload;
    const present = new Set<string>();
    const activeNow: PodStatusRow[] = [];
    for (const pod of s.pods) {
      const name = pod.metadata?.name ?? "";
      const key = podKey(pod);
      present.add(key);
      const isOld = w.isCurrent === undefined ? this.initial.has(name) : !w.isCurrent(pod);
      if (!isOld) continue;
      const row = podStatusRow(pod, s.policies, s.now);
      this.old.set(key, row);
      this.names.set(key, name);
      if (isRemovalInProgress(row.state)) activeNow.push(row);
    }
    const drained = new Set<string>();
    const timedOut = new Set<string>();
    for (const e of s.events) {
      const name = e.involvedObject?.name ?? "";
      const key = eventKey(e);
      if (e.involvedObject?.kind !== "Pod" || !(this.old.has(key) || w.owns(name))) continue;
      // Event timestamps have second precision.
      if (eventTime(e) < this.since - 1000) continue;
      this.names.set(key, name);
      if (e.reason === DRAINED_EVENT) drained.add(key);
      if (e.reason === TIMED_OUT_EVENT) timedOut.add(key);
    }
    const all = new Set([...this.old.keys(), ...drained, ...timedOut]);
    const done = [...all].filter((k) => !present.has(k)).length;
    const oldLeft = [...this.old.keys()].some((k) => present.has(k));
    const nameOf = (k: string) => this.names.get(k) ?? k;
    return {
      desired: w.desired,
      updated: w.updated,
      available: w.available,
      complete: w.finished && !oldLeft,
      drains: {
        total: all.size,
        done,
        drained: drained.size,
        timedOut: timedOut.size,
        active: activeNow.sort((a, b) => a.pod.localeCompare(b.pod)),
      },
      timedOutPods: [...timedOut].map(nameOf).sort(),
    };
  }
}

/** `[########------------]`: `done` of `total` in `width` cells. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total <= 0 ? 0 : Math.min(width, Math.round((done / total) * width));
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** One status line; `active` lists the pods being drained with phase, in flight and time in state. */
export function renderProgress(target: string, p: RolloutProgress): string {
  const d = p.drains;
  const head =
    `${target} ${progressBar(d.done, d.total)} drains ${d.done}/${d.total} done ` +
    `(${d.drained} drained, ${d.timedOut} timed out), updated ${p.updated}/${p.desired}, available ${p.available}/${p.desired}`;
  const active = d.active.map((r) => {
    const parts: string[] = [r.state];
    if (r.inFlight !== undefined) parts.push(`${r.inFlight} in flight`);
    if (r.inStateMs !== undefined) parts.push(formatDuration(r.inStateMs));
    if (r.etaMs !== undefined) parts.push(`timeout in ${formatDuration(r.etaMs)}`);
    return `${r.pod} ${parts.join(", ")}`;
  });
  return active.length > 0 ? `${head}; draining: ${active.join("; ")}` : head;
}
