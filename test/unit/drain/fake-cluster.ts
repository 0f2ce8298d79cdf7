// In-memory informer stores, a pod writer and an Event recorder that apply to them and journal every call, in order.
import type { V1Pod } from "@kubernetes/client-node";
import { keyOf, objectKey } from "../../../operator/api/object-key.ts";
import {
  ANNOTATIONS,
  type DrainState,
  SERVING_CONDITION,
  toAnnotations,
} from "../../../operator/api/pod-annotations.ts";
import type { EventRecorder, EventTarget, EventType } from "../../../operator/kube/events.ts";
import type { PodWriter } from "../../../operator/kube/pods.ts";
import { pod } from "../controllers/pods.ts";

/** What a store keys its objects by. */
interface Named {
  metadata?: { namespace?: string | null; name?: string | null } | null;
}

/** An informer's store without the informer: get and list, filled and changed by the test. */
export class MemoryStore<T extends Named> {
  private readonly objects = new Map<string, T>();

  constructor(items: readonly T[] = []) {
    for (const item of items) this.put(item);
  }

  put(object: T): void {
    this.objects.set(keyOf(object), structuredClone(object));
  }

  delete(namespace: string, name: string): void {
    this.objects.delete(objectKey(namespace, name));
  }

  get = (namespace: string, name: string): T | undefined => {
    const object = this.objects.get(objectKey(namespace, name));
    return object && structuredClone(object);
  };

  list = (namespace?: string): T[] =>
    [...this.objects.values()]
      .filter((o) => namespace === undefined || o.metadata?.namespace === namespace)
      .map((o) => structuredClone(o));
}

export interface JournalEntry {
  /** The fake clock's time of the call. */
  at: number;
  /** `annotate:<state or ->`, `serving:<True|False>:<reason>`, `event:<type>:<reason>` or `remove:<how>`. */
  what: string;
}

/** Every write and Event, in the order they were made. */
export class Journal {
  readonly entries: JournalEntry[] = [];
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
  }

  add(what: string): void {
    this.entries.push({ at: this.now(), what });
  }

  whats(from = 0): string[] {
    return this.entries.slice(from).map((e) => e.what);
  }
}

/** Applies writes to the pods' store like the API server would (a pod it no longer has is not found). */
export class FakePodWriter implements PodWriter {
  private readonly gone = new Set<string>();
  private version = 100;
  private readonly pods: MemoryStore<V1Pod>;
  private readonly journal: Journal;
  private readonly now: () => number;

  constructor(pods: MemoryStore<V1Pod>, journal: Journal, now: () => number) {
    this.pods = pods;
    this.journal = journal;
    this.now = now;
  }

  /** The API server no longer has the pod, though the cache still does. */
  vanish(namespace: string, name: string): void {
    this.gone.add(objectKey(namespace, name));
  }

  private update(
    namespace: string,
    name: string,
    uid: string | undefined,
    change: (p: V1Pod) => void,
    resourceVersion?: string,
  ) {
    const current = this.pods.get(namespace, name);
    if (current === undefined || this.gone.has(objectKey(namespace, name))) return undefined;
    if (uid !== undefined && current.metadata?.uid !== uid) return undefined;
    // A write made against an older version is a conflict (409), as on the API server.
    if (resourceVersion !== undefined && current.metadata?.resourceVersion !== resourceVersion)
      return undefined;
    change(current);
    current.metadata = { ...current.metadata, resourceVersion: String(++this.version) };
    this.pods.put(current);
    return structuredClone(current);
  }

  annotate: PodWriter["annotate"] = async (namespace, name, uid, annotations, resourceVersion) => {
    this.journal.add(`annotate:${annotations[ANNOTATIONS.state] ?? "-"}`);
    const merge = (p: V1Pod) => {
      const merged: Record<string, string> = { ...p.metadata?.annotations };
      for (const [k, v] of Object.entries(annotations)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      p.metadata = { ...p.metadata, annotations: merged };
    };
    return this.update(namespace, name, uid, merge, resourceVersion);
  };

  setCondition: PodWriter["setCondition"] = async (namespace, name, type, status, reason, message) => {
    const text = status ? "True" : "False";
    this.journal.add(`serving:${text}:${reason}`);
    return this.update(namespace, name, undefined, (p) => {
      const others = (p.status?.conditions ?? []).filter((c) => c.type !== type);
      p.status = { ...p.status, conditions: [...others, { type, status: text, reason, message }] };
    });
  };

  remove: PodWriter["remove"] = async (namespace, name, uid, how) => {
    this.journal.add(`remove:${how}`);
    const removed = this.update(namespace, name, uid, (p) => {
      p.metadata = { ...p.metadata, deletionTimestamp: new Date(this.now()) };
    });
    return removed === undefined ? "gone" : "removed";
  };
}

export interface RecordedEvent {
  target: EventTarget;
  type: EventType;
  reason: string;
  message: string;
}

export class FakeEvents implements EventRecorder {
  readonly recorded: RecordedEvent[] = [];
  private readonly journal: Journal;

  constructor(journal: Journal) {
    this.journal = journal;
  }

  async record(target: EventTarget, type: EventType, reason: string, message: string): Promise<void> {
    this.journal.add(`event:${type}:${reason}`);
    this.recorded.push({ target, type, reason, message });
  }
}

/**
 * A pod of the controllers' fixtures carrying the serving gate, ready, with its containers ready, in `state`
 * (Serving unless given), owned by the ReplicaSet `rs` when given.
 */
export function gatedPod(
  name: string,
  o: { state?: DrainState; rs?: string; gate?: boolean; containersReady?: boolean } = {},
): V1Pod {
  const p = pod(name, { rs: o.rs });
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(toAnnotations(o.state ?? { phase: "Serving" })))
    if (v !== null && !(k === ANNOTATIONS.state && v === "Serving")) annotations[k] = v;
  p.metadata = { ...p.metadata, annotations };
  if (p.spec) p.spec.readinessGates = [{ conditionType: SERVING_CONDITION }];
  const ready = o.containersReady === false ? "False" : "True";
  p.status = {
    ...p.status,
    conditions: [
      { type: "ContainersReady", status: ready },
      { type: "Ready", status: ready === "True" && o.gate !== false ? "True" : "False" },
      ...(o.gate === undefined ? [] : [{ type: SERVING_CONDITION, status: o.gate ? "True" : "False" }]),
    ],
  };
  return p;
}
