// Polls the serving pods of preferIdle policies and writes their deletion cost when its bucket changes; clears it after.
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { parseKey } from "../../api/object-key.ts";
import { SERVING } from "../../api/pod-annotations.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import type { PodWriter } from "../../kube/pods.ts";
import type { TokenSource } from "../../kube/secrets.ts";
import { WriteOverlay } from "../../kube/write-overlay.ts";
import type { Metrics } from "../../observability/metrics.ts";
import type { ReconcileResult } from "../../runtime/work-queue.ts";
import { type ClientFactory, callEndpoint } from "../drain/endpoint-caller.ts";
import { type CostPatch, costBucket, costPatch, type ScaleInAction, scaleInAction } from "./deletion-cost.ts";

/** A write that lost to a newer version of the pod is decided again this soon (at most one poll interval). */
const CONFLICT_RETRY_MS = 1000;

export interface ScaleInDeps {
  cache: {
    policies: { list(namespace?: string): QuiescePolicy[] };
    pods: Pick<ClusterCache["pods"], "get">;
  };
  pods: PodWriter;
  tokens: TokenSource;
  metrics: Pick<Metrics, "deletionCostWrites">;
  logger: Logger;
  makeClient?: ClientFactory;
}

export class ScaleInController {
  private readonly deps: ScaleInDeps;
  /** Our own latest write per pod, read until the informer catches up, so a cost is never written twice. */
  private readonly written = new WriteOverlay<V1Pod>();
  /** Pods whose last poll failed: the failure is logged once, not once per poll. */
  private readonly failing = new Set<string>();

  constructor(deps: ScaleInDeps) {
    this.deps = deps;
  }

  private current(namespace: string, name: string): V1Pod | undefined {
    const cached = this.deps.cache.pods.get(namespace, name);
    return cached === undefined ? undefined : this.written.freshest(cached);
  }

  private decide(pod: V1Pod): ScaleInAction {
    return scaleInAction(pod, this.deps.cache.policies.list(pod.metadata?.namespace ?? ""));
  }

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = parseKey(key);
    const pod = this.current(namespace, name);
    if (pod === undefined) {
      this.failing.delete(key);
      return { kind: "done" };
    }
    const log = this.deps.logger.child({ controller: "scale-in", namespace, pod: name });
    return await this.act(key, pod, this.decide(pod), log);
  };

  private async act(key: string, pod: V1Pod, action: ScaleInAction, log: Logger): Promise<ReconcileResult> {
    if (action.kind === "poll") return await this.poll(key, pod, action, log);
    this.failing.delete(key);
    if (action.kind === "clear" && !(await this.write(pod, action.patch, "clear", log))) {
      return { kind: "requeueAfter", ms: CONFLICT_RETRY_MS };
    }
    return { kind: "done" };
  }

  private async poll(
    key: string,
    pod: V1Pod,
    action: Extract<ScaleInAction, { kind: "poll" }>,
    log: Logger,
  ): Promise<ReconcileResult> {
    const { tokens, makeClient } = this.deps;
    const result = await callEndpoint(pod, action.policy.spec, SERVING, "status", tokens, makeClient);
    if (!result.ok) {
      // The pod keeps its last cost: a flaky endpoint must not make it look idle, nor thrash its cost.
      if (!this.failing.has(key))
        log.info({ kind: result.kind, error: result.message }, "in-flight poll failed");
      this.failing.add(key);
      return { kind: "requeueAfter", ms: action.intervalMs };
    }
    this.failing.delete(key);
    // The pod may have changed during the call (its removal recorded, the policy turned off): decide again.
    const { namespace = "", name = "", uid } = pod.metadata ?? {};
    const fresh = this.current(namespace, name);
    if (fresh === undefined || fresh.metadata?.uid !== uid) return { kind: "done" };
    const now = this.decide(fresh);
    if (now.kind !== "poll") return await this.act(key, fresh, now, log);
    const bucket = costBucket(result.status.inFlight);
    const patch = costPatch(fresh.metadata?.annotations, bucket);
    if (patch !== undefined && !(await this.write(fresh, patch, "set", log, { bucket }))) {
      return { kind: "requeueAfter", ms: Math.min(CONFLICT_RETRY_MS, now.intervalMs) };
    }
    return { kind: "requeueAfter", ms: now.intervalMs };
  }

  /** One guarded write: false when the pod changed since it was read (or was replaced), so nothing was written. */
  private async write(
    pod: V1Pod,
    patch: CostPatch,
    action: "set" | "clear",
    log: Logger,
    fields: { bucket?: number } = {},
  ): Promise<boolean> {
    const { namespace = "", name = "", uid = "", resourceVersion } = pod.metadata ?? {};
    this.deps.metrics.deletionCostWrites.inc({ action });
    const written = await this.deps.pods.annotate(namespace, name, uid, patch, resourceVersion);
    if (written === undefined) return false;
    this.written.remember(written);
    log.debug(fields, action === "set" ? "deletion cost set" : "deletion cost removed");
    return true;
  }
}
