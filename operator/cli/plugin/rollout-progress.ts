// Follows one Deployment's rollout from snapshots: old pods seen, drains done, drained and timed out; pure.
import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { isRemovalInProgress } from "../../api/drain-phases.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { formatDuration } from "./duration.ts";
import { type PodStatusRow, podStatusRow } from "./pod-status.ts";

const REVISION = "deployment.kubernetes.io/revision";
const HASH = "pod-template-hash";
export const DRAINED_EVENT = "Drained";
export const TIMED_OUT_EVENT = "DrainTimedOut";

export interface RolloutSnapshot {
  deployment: V1Deployment;
  replicaSets: readonly V1ReplicaSet[];
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

/** The pod-template-hash of the Deployment's current ReplicaSet, once the controller has caught up. */
export function currentTemplateHash(
  deployment: V1Deployment,
  replicaSets: readonly V1ReplicaSet[],
): string | undefined {
  if ((deployment.status?.observedGeneration ?? 0) < (deployment.metadata?.generation ?? 0)) return undefined;
  const revision = deployment.metadata?.annotations?.[REVISION];
  if (revision === undefined) return undefined;
  const current = ownedReplicaSets(deployment, replicaSets).find(
    (rs) => rs.metadata?.annotations?.[REVISION] === revision,
  );
  return current?.metadata?.labels?.[HASH];
}

export function ownedReplicaSets(deployment: V1Deployment, replicaSets: readonly V1ReplicaSet[]) {
  const uid = deployment.metadata?.uid;
  return replicaSets.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === uid));
}

const eventTime = (e: CoreV1Event) => {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t === undefined ? 0 : new Date(t).getTime();
};

export class RolloutTracker {
  private readonly old = new Map<string, PodStatusRow>();
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
    const hash = currentTemplateHash(s.deployment, s.replicaSets);
    const present = new Set<string>();
    const activeNow: PodStatusRow[] = [];
    for (const pod of s.pods) {
      const name = pod.metadata?.name ?? "";
      present.add(name);
      const isOld = hash === undefined ? this.initial.has(name) : pod.metadata?.labels?.[HASH] !== hash;
      if (!isOld) continue;
      const row = podStatusRow(pod, s.policies, s.now);
      this.old.set(name, row);
      if (isRemovalInProgress(row.state)) activeNow.push(row);
    }
    const prefixes = ownedReplicaSets(s.deployment, s.replicaSets).map((rs) => `${rs.metadata?.name}-`);
    const ours = (name: string) => this.old.has(name) || prefixes.some((p) => name.startsWith(p));
    const drained = new Set<string>();
    const timedOut = new Set<string>();
    for (const e of s.events) {
      const name = e.involvedObject?.name ?? "";
      if (e.involvedObject?.kind !== "Pod" || !ours(name)) continue;
      // Event timestamps have second precision.
      if (eventTime(e) < this.since - 1000) continue;
      if (e.reason === DRAINED_EVENT) drained.add(name);
      if (e.reason === TIMED_OUT_EVENT) timedOut.add(name);
    }
    const all = new Set([...this.old.keys(), ...drained, ...timedOut]);
    const done = [...all].filter((n) => !present.has(n)).length;
    const desired = s.deployment.spec?.replicas ?? 1;
    const st = s.deployment.status;
    const oldLeft = [...this.old.keys()].some((n) => present.has(n));
    const complete =
      hash !== undefined &&
      (st?.updatedReplicas ?? 0) === desired &&
      (st?.replicas ?? 0) === desired &&
      (st?.availableReplicas ?? 0) === desired &&
      !oldLeft;
    return {
      desired,
      updated: st?.updatedReplicas ?? 0,
      available: st?.availableReplicas ?? 0,
      complete,
      drains: {
        total: all.size,
        done,
        drained: drained.size,
        timedOut: timedOut.size,
        active: activeNow.sort((a, b) => a.pod.localeCompare(b.pod)),
      },
      timedOutPods: [...timedOut].sort(),
    };
  }
}

/** `[########------------]`: `done` of `total` in `width` cells. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total <= 0 ? 0 : Math.min(width, Math.round((done / total) * width));
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** One status line; `active` lists the pods being drained with phase, in flight and time in state. */
export function renderProgress(name: string, p: RolloutProgress): string {
  const d = p.drains;
  const head =
    `deployment/${name} ${progressBar(d.done, d.total)} drains ${d.done}/${d.total} done ` +
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
