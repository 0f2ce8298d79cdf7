// The leader's controllers: drain, policy status, maintenance and scale-in, each with its queue and what wakes it;
// started for each term of leadership and stopped when it ends (the informer handlers stay registered).
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { ObjectKey } from "../api/object-key.ts";
import { drainTriggers } from "../controllers/drain/drain-triggers.ts";
import { PodController } from "../controllers/drain/pod-controller.ts";
import { MaintenanceController } from "../controllers/maintenance/maintenance-controller.ts";
import { maintenanceTriggers } from "../controllers/maintenance/maintenance-triggers.ts";
import { PolicyController } from "../controllers/policy/policy-controller.ts";
import { policyTriggers } from "../controllers/policy/policy-triggers.ts";
import { ScaleInController } from "../controllers/scale-in/scale-in-controller.ts";
import { scaleInTriggers } from "../controllers/scale-in/scale-in-triggers.ts";
import { MAINTAINED_KINDS } from "../controllers/workloads/maintained-workloads.ts";
import { lookupsFrom } from "../controllers/workloads/workload.ts";
import type { ClusterCache } from "../kube/cache.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { PodWriter } from "../kube/pods.ts";
import { secretTokenSource } from "../kube/secrets.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { WorkQueue } from "../runtime/work-queue.ts";
import { controllerQueue } from "./controller-queue.ts";

export interface Controllers {
  queues: readonly WorkQueue[];
  /** Where the webhooks hand a pod whose removal they recorded. */
  enqueueDrain(key: ObjectKey): void;
  /** Called once the leader's caches synced: start the queues and look at everything once. No-op while running. */
  start(): void;
  /**
   * The term ended: every queue stops running keys and drops its queued and delayed ones and their timers (the
   * next start resyncs every key, so each drain resumes from its pod's annotations). Resolves once the reconciles
   * in progress returned; their results are discarded.
   */
  stop(): Promise<void>;
  /** The operator stops: the queues take nothing more, ever; resolves once running reconciles returned. */
  shutdown(): Promise<void>;
}

export function buildControllers(deps: {
  cache: ClusterCache;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  pods: PodWriter;
  events: EventRecorder;
  metrics: Metrics;
  logger: Logger;
  workers: number;
  onWrite: (verb: string, resource: string) => void;
}): Controllers {
  const { cache, pods, events, metrics, logger } = deps;
  const tokens = secretTokenSource(deps.core);
  const policyController = new PolicyController({
    ...{ cache, custom: deps.custom, logger, now: () => new Date() },
    onWrite: () => deps.onWrite("patch", "quiescepolicies/status"),
  });
  const policyQueue = controllerQueue("policy", policyController.reconcile, 2, metrics, logger);
  const podController = new PodController({
    ...{ cache, pods, events, tokens, metrics, logger },
    now: () => Date.now(),
    onOutcome: (policy, ending) => {
      policyController.recordOutcome(policy, ending);
      policyQueue.add(policy);
    },
  });
  // A drain's polls are the intervals its state machine relies on: pod events (often our own writes) do not
  // run it early; EndpointSlice changes of a Settling pod and a terminating pod do (wake).
  const podQueue = controllerQueue("drain", podController.reconcile, deps.workers, metrics, logger, {
    holdRequeues: true,
  });
  const drains = { add: (key: ObjectKey) => podQueue.add(key), wake: (key: ObjectKey) => podQueue.wake(key) };
  // One maintenance controller and queue per kind (the queue key is the workload's namespace/name).
  const maintenance = MAINTAINED_KINDS.map((kind) => {
    const controller = new MaintenanceController({
      ...{ kind, cache, lookups: lookupsFrom(cache), pods, events, logger },
      enqueuePod: drains.add,
      now: () => Date.now(),
    });
    const name = kind === "Deployment" ? "maintenance" : `maintenance-${kind.toLowerCase()}`;
    const queue = controllerQueue(name, controller.reconcile, 2, metrics, logger);
    return { queue, watch: maintenanceTriggers(cache, kind, queue) };
  });
  // Each pod's polls are its policy's scaleIn interval: pod events (often our own writes) do not run them early.
  const scaleIn = new ScaleInController({ cache, pods, tokens, metrics, logger });
  const scaleInQueue = controllerQueue("scale-in", scaleIn.reconcile, 8, metrics, logger, {
    holdRequeues: true,
  });
  // Registered in this order, so a pod event reaches its drain first.
  const drainWatch = drainTriggers(cache, drains);
  const policyWatch = policyTriggers(cache, policyQueue);
  const scaleInWatch = scaleInTriggers(cache, {
    add: (key) => scaleInQueue.add(key),
    wake: (key) => scaleInQueue.wake(key),
  });
  const maintenanceWatches = maintenance.map((m) => m.watch);
  for (const t of [drainWatch, policyWatch, ...maintenanceWatches, scaleInWatch]) t.watch();
  const queues = [podQueue, policyQueue, ...maintenance.map((m) => m.queue), scaleInQueue];
  let running = false;
  return {
    queues,
    enqueueDrain: drains.add,
    start() {
      if (running) return;
      running = true;
      for (const q of queues) q.start();
      for (const t of [...maintenanceWatches, drainWatch, policyWatch, scaleInWatch]) t.resync();
    },
    async stop() {
      running = false;
      await Promise.all(queues.map((q) => q.stop()));
    },
    async shutdown() {
      running = false;
      await Promise.all(queues.map((q) => q.shutdown()));
    },
  };
}
