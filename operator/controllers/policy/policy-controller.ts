// Keeps each QuiescePolicy's status current; writes only when it changed, through the status subresource.
import { type CustomObjectsApi, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { DrainEnding } from "../../api/drain-phases.ts";
import { type ObjectKey, objectKey, parseKey } from "../../api/object-key.ts";
import { GROUP, PLURAL, VERSION } from "../../api/quiesce-policy.ts";
import { isNotFound } from "../../kube/api-errors.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import type { ReconcileResult } from "../../runtime/work-queue.ts";
import { computeStatus } from "./compute-status.ts";

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class PolicyController {
  private readonly finished = new Map<ObjectKey, { completed: number; timedOut: number }>();
  /** Counters we last wrote: the cache may not show them yet, and a write from stale counters would lose drains. */
  private readonly written = new Map<ObjectKey, { completed: number; timedOut: number }>();
  private readonly deps: {
    cache: ClusterCache;
    custom: CustomObjectsApi;
    logger: Logger;
    now: () => Date;
    onWrite: () => void;
  };

  constructor(deps: PolicyController["deps"]) {
    this.deps = deps;
  }

  /** Counts a finished drain; it is added to the status on the next write. */
  recordOutcome(policy: ObjectKey, ending: DrainEnding): void {
    if (ending !== "drained" && ending !== "timed_out") return;
    const entry = this.finished.get(policy) ?? { completed: 0, timedOut: 0 };
    if (ending === "drained") entry.completed++;
    else entry.timedOut++;
    this.finished.set(policy, entry);
  }

  /** Removes the finished drains a successful write included, keeping any recorded since. */
  private forget(key: ObjectKey, included: { completed: number; timedOut: number }): void {
    const entry = this.finished.get(key);
    if (entry === undefined) return;
    entry.completed = Math.max(0, entry.completed - included.completed);
    entry.timedOut = Math.max(0, entry.timedOut - included.timedOut);
    if (entry.completed === 0 && entry.timedOut === 0) this.finished.delete(key);
  }

  reconcile = async (queued: string): Promise<ReconcileResult> => {
    const { namespace, name } = parseKey(queued);
    const key = objectKey(namespace, name);
    const { cache } = this.deps;
    const policy = cache.policies.get(namespace, name);
    if (policy === undefined) {
      this.finished.delete(key);
      this.written.delete(key);
      return { kind: "done" };
    }
    // A copy: drains that finish while the write below is in flight are added to the live entry, not lost.
    const finished = { ...(this.finished.get(key) ?? { completed: 0, timedOut: 0 }) };
    const cached = policy.status?.drains ?? { completed: 0, timedOut: 0 };
    const mine = this.written.get(key) ?? cached;
    const base = {
      completed: Math.max(cached.completed, mine.completed),
      timedOut: Math.max(cached.timedOut, mine.timedOut),
    };
    const status = computeStatus({
      policy: { ...policy, status: { ...policy.status, drains: base } },
      policies: cache.policies.list(namespace),
      pods: cache.pods.list(namespace),
      deployments: cache.deployments.list(namespace),
      finished,
      now: this.deps.now(),
    });
    if (canonicalJson(status) === canonicalJson(policy.status ?? {})) {
      this.written.delete(key);
      return { kind: "done" };
    }
    try {
      this.deps.onWrite();
      await this.deps.custom.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: PLURAL, namespace, name, body: { status } },
        merge,
      );
      this.forget(key, finished);
      if (status.drains) this.written.set(key, status.drains);
    } catch (error) {
      if (isNotFound(error)) return { kind: "done" };
      return { kind: "error", error };
    }
    return { kind: "done" };
  };
}

/** JSON with object keys sorted: the API server returns status fields in its own order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
