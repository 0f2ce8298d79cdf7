// The pod reconciler: sets the serving gate on ready pods and drives each drain one state-machine step at a time.
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { DrainEnding } from "../../api/drain-phases.ts";
import { maintenanceOf } from "../../api/maintenance.ts";
import { type ObjectKey, objectKey, parseKey } from "../../api/object-key.ts";
import { SERVING_CONDITION, toAnnotations } from "../../api/pod-annotations.ts";
import {
  conditionTrue,
  drainStateOf,
  gateStatus,
  hasServingGate,
  isTerminating,
} from "../../api/pod-view.ts";
import { governingPolicy } from "../../api/policy-match.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { INTERRUPTED_SERVING } from "../../api/removal-request.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { PodWriter } from "../../kube/pods.ts";
import type { TokenSource } from "../../kube/secrets.ts";
import { WriteOverlay } from "../../kube/write-overlay.ts";
import type { Metrics } from "../../observability/metrics.ts";
import { KeyedMutex } from "../../runtime/keyed-mutex.ts";
import type { ReconcileResult } from "../../runtime/work-queue.ts";
import { budgetFor } from "../workloads/budget-input.ts";
import { listedAsServing } from "../workloads/endpoint-listing.ts";
import { isMaintainedKind, maintainedWorkload } from "../workloads/maintained-workloads.ts";
import { type Lookups, lookupsFrom, ownershipOf, workloadKey } from "../workloads/workload.ts";
import { type ClientFactory, callEndpoint } from "./endpoint-caller.ts";
import type { DrainObservation } from "./observation.ts";
import { type DrainAction, nextProbe, step } from "./state-machine.ts";
import { reportStep } from "./step-report.ts";

/** A drain of a pod governed by the policy `policy` ended, and how. */
export type DrainOutcomeSink = (policy: ObjectKey, ending: DrainEnding) => void;

/** The informer reads the controller makes (a ClusterCache answers them; a test can use in-memory stores). */
export interface PodControllerCache {
  policies: { list(namespace?: string): QuiescePolicy[] };
  pods: Pick<ClusterCache["pods"], "get" | "list">;
  replicaSets: Pick<ClusterCache["replicaSets"], "get">;
  deployments: Pick<ClusterCache["deployments"], "get">;
  statefulSets?: Pick<ClusterCache["statefulSets"], "get">;
  daemonSets?: Pick<ClusterCache["daemonSets"], "get">;
  endpointSlices: Pick<ClusterCache["endpointSlices"], "list">;
}

export interface PodControllerDeps {
  cache: PodControllerCache;
  pods: PodWriter;
  events: EventRecorder;
  tokens: TokenSource;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  makeClient?: ClientFactory;
  onOutcome?: DrainOutcomeSink;
}

/** Pods the controller cares about: our gate, or a drain recorded on them. */
export function isOurPod(pod: V1Pod): boolean {
  return hasServingGate(pod) || drainStateOf(pod).phase !== "Serving";
}

/**
 * A pod to reconcile on a cache event: ours, or a terminating pod a DryRun policy selects and that has no report
 * yet (DryRun pods carry no gate and no drain, and the deletion gate's wake-up comes before the pod is terminating).
 */
export function needsReconcile(pod: V1Pod, policies: readonly QuiescePolicy[]): boolean {
  if (isOurPod(pod)) return true;
  if (!isTerminating(pod) || drainStateOf(pod).outcome === "DryRun") return false;
  return governingPolicy(pod, policies)?.spec.mode === "DryRun";
}

export class PodController {
  private readonly deps: PodControllerDeps;
  private readonly lookups: Lookups;
  /** Our own latest write per pod, used until the informer catches up, so a step never reruns on stale state. */
  private readonly written = new WriteOverlay<V1Pod>();
  /** Budget decisions of one workload run one at a time, so two pods cannot both take the last slot. */
  private readonly budgetLock = new KeyedMutex();

  constructor(deps: PodControllerDeps) {
    this.deps = deps;
    this.lookups = lookupsFrom(deps.cache);
  }

  /** The freshest copy of a pod: the cache's, or our own newer write. */
  private current(namespace: string, name: string): V1Pod | undefined {
    const cached = this.deps.cache.pods.get(namespace, name);
    return cached === undefined ? undefined : this.written.freshest(cached);
  }

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = parseKey(key);
    const pod = this.current(namespace, name);
    if (pod === undefined) return { kind: "done" };
    const log = this.deps.logger.child({ controller: "drain", namespace, pod: name });
    const state = drainStateOf(pod);
    const policies = this.deps.cache.policies.list(namespace);
    const policy = governingPolicy(pod, policies);

    if (state.phase === "Serving" && !(policy?.spec.mode === "DryRun" && isTerminating(pod))) {
      await this.ensureServing(pod, log);
      return { kind: "done" };
    }
    if (policy === undefined) return await this.abandon(pod, log);
    if (state.phase === "Requested") {
      const workload = workloadKey(ownershipOf(pod, this.lookups).workload);
      return await this.budgetLock.run(workload, () => this.drainStep(pod, policy, log));
    }
    return await this.drainStep(pod, policy, log);
  };

  private async drainStep(pod: V1Pod, policy: QuiescePolicy, log: Logger): Promise<ReconcileResult> {
    const namespace = pod.metadata?.namespace ?? "";
    const state = drainStateOf(pod);
    const presence: DrainObservation["pod"] = isTerminating(pod) ? "terminating" : "present";
    const observation: DrainObservation = { pod: presence, gate: gateStatus(pod) };
    // Only a gated pod can leave its endpoints; an ungated one (created before its policy) would wait in vain.
    if (state.phase === "Settling" && hasServingGate(pod)) {
      observation.listed = listedAsServing(pod, this.deps.cache.endpointSlices.list(namespace));
    }
    const probe = nextProbe(state, policy.spec, presence);
    if (probe) {
      const result = await callEndpoint(
        pod,
        policy.spec,
        state,
        probe,
        this.deps.tokens,
        this.deps.makeClient,
      );
      observation.probe = { call: probe, result };
      if (!result.ok) log.info({ kind: result.kind, error: result.message }, "endpoint call failed");
    }
    if (state.phase === "Requested") {
      // Our own writes to sibling pods may be newer than the cache: count from what we know is current.
      const siblings = this.deps.cache.pods
        .list(namespace)
        .map((p) => this.current(namespace, p.metadata?.name ?? "") ?? p);
      observation.budget = budgetFor(pod, siblings, policy.spec.budget, this.lookups);
      if (!observation.budget.allowed) this.deps.metrics.refusedByBudget.inc();
    }
    const own = ownershipOf(pod, this.lookups);
    observation.revisionIsCurrent = own.revisionIsCurrent;
    if (isMaintainedKind(own.workload.kind)) {
      const workload = maintainedWorkload(this.lookups, own.workload.kind, namespace, own.workload.name);
      observation.maintenance = maintenanceOf(workload) !== undefined;
    }

    const result = step(state, observation, this.deps.now(), policy.spec);
    const { outcome, completed } = await this.execute(pod, policy, result.actions, result.done, log);
    // Counted and logged once written: a step whose writes fail (API server down) is retried and must not count twice.
    if (completed) {
      const ended = reportStep(this.deps.metrics, log, state, result, this.deps.now());
      if (ended) this.deps.onOutcome?.(objectKey(policy.metadata.namespace, policy.metadata.name), ended);
    }
    return outcome;
  }

  private async ensureServing(pod: V1Pod, log: Logger): Promise<void> {
    if (!hasServingGate(pod) || isTerminating(pod) || gateStatus(pod) === true) return;
    if (!conditionTrue(pod, "ContainersReady")) return;
    const { namespace = "", name = "" } = pod.metadata ?? {};
    await this.deps.pods.setCondition(
      namespace,
      name,
      SERVING_CONDITION,
      true,
      "ContainersReady",
      "serving traffic",
    );
    log.debug("serving condition set");
  }

  /** The governing policy was deleted mid-drain: give the pod back its traffic rather than strand it NotReady. */
  private async abandon(pod: V1Pod, log: Logger): Promise<ReconcileResult> {
    const { namespace = "", name = "", uid = "" } = pod.metadata ?? {};
    log.warn("policy gone during a drain; drain abandoned");
    const fresh = await this.deps.pods.annotate(namespace, name, uid, toAnnotations(INTERRUPTED_SERVING));
    if (fresh) this.remember(fresh);
    if (!isTerminating(pod) && hasServingGate(pod)) {
      await this.deps.pods.setCondition(
        namespace,
        name,
        SERVING_CONDITION,
        true,
        "PolicyDeleted",
        "the QuiescePolicy was deleted",
      );
    }
    await this.deps.events.record(
      podTarget(pod),
      "Warning",
      "DrainInterrupted",
      "the governing QuiescePolicy was deleted; the pod serves again",
    );
    return { kind: "done" };
  }

  private remember(pod: V1Pod): void {
    this.written.remember(pod);
  }

  private async execute(
    pod: V1Pod,
    policy: QuiescePolicy,
    actions: DrainAction[],
    done: boolean,
    log: Logger,
  ): Promise<{ outcome: ReconcileResult; completed: boolean }> {
    const { namespace = "", name = "", uid = "" } = pod.metadata ?? {};
    let requeueMs: number | undefined;
    for (const action of actions) {
      switch (action.type) {
        case "patchAnnotations": {
          const fresh = await this.deps.pods.annotate(namespace, name, uid, action.annotations);
          // The pod is gone, or a new one took its name.
          if (fresh === undefined) return { outcome: { kind: "done" }, completed: false };
          this.remember(fresh);
          break;
        }
        case "setServingCondition": {
          const fresh = await this.deps.pods.setCondition(
            namespace,
            name,
            SERVING_CONDITION,
            action.serving,
            action.serving ? "Unquiesced" : "Quiescing",
            action.serving
              ? "serving traffic again"
              : `removal under QuiescePolicy ${namespace}/${policy.metadata.name}`,
          );
          // The next step must see the gate as written, not the cache's older copy.
          if (fresh?.metadata?.uid === uid) this.remember(fresh);
          break;
        }
        case "emitEvent":
          await this.deps.events.record(
            podTarget(pod),
            action.eventType,
            action.reason,
            action.message,
            action.once,
          );
          // Warnings about what the app or its load balancer do are the user's to see in the log too.
          if (action.eventType === "Warning") log.warn({ reason: action.reason }, action.message);
          break;
        case "deletePod":
        case "evictPod": {
          const outcome = await this.deps.pods.remove(
            namespace,
            name,
            uid,
            action.type === "evictPod" ? "evict" : "delete",
          );
          log.info({ outcome, via: action.type }, "pod removal requested");
          break;
        }
        case "requeueAfter":
          requeueMs = action.ms;
          break;
      }
    }
    if (requeueMs !== undefined) return { outcome: { kind: "requeueAfter", ms: requeueMs }, completed: true };
    return { outcome: done ? { kind: "done" } : { kind: "requeueAfter", ms: 1000 }, completed: true };
  }
}

export function podTarget(pod: V1Pod) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    uid: pod.metadata?.uid,
  };
}
