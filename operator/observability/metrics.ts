// Prometheus metrics for drains, scale-in costs, webhooks, the work queue and informers (controller-runtime names).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

function drainMetrics(r: Registry[]) {
  return {
    drainsStarted: new Counter({
      name: "quiesce_drains_started_total",
      help: "Drains started, by reason.",
      labelNames: ["reason"],
      registers: r,
    }),
    drainsFinished: new Counter({
      name: "quiesce_drains_finished_total",
      help: "Drains finished, by outcome (drained, timed_out, unquiesced, gone).",
      labelNames: ["outcome"],
      registers: r,
    }),
    drainDuration: new Histogram({
      name: "quiesce_drain_duration_seconds",
      help: "Time from drain start to outcome.",
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
      registers: r,
    }),
    inFlightAtStart: new Histogram({
      name: "quiesce_drain_in_flight_at_start",
      help: "In-flight work reported by the pod when quiescing began.",
      buckets: [0, 1, 2, 5, 10, 20, 50, 100, 500, 1000],
      registers: r,
    }),
    settleDuration: new Histogram({
      name: "quiesce_settle_duration_seconds",
      help: "Time from the pod leaving every EndpointSlice to the end of its settle (the quiesce call), by how it ended: quiet (the app's accepted counter stood still), timer (settleSeconds, no evidence), bound (maxSettleSeconds).",
      labelNames: ["ended_by"],
      buckets: [
        0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 300,
      ],
      registers: r,
    }),
    trafficAfterLeaving: new Histogram({
      name: "quiesce_traffic_after_leaving_seconds",
      help: "Time from the pod leaving every EndpointSlice to the last new work its app counted: how late load balancers let go.",
      buckets: [
        0, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 15, 20, 30, 35, 40, 45, 60, 90, 120, 300,
      ],
      registers: r,
    }),
    refusedByBudget: new Counter({
      name: "quiesce_drains_refused_by_budget_total",
      help: "Removal requests deferred because the budget did not allow another drain.",
      registers: r,
    }),
  };
}

function scaleInMetrics(r: Registry[]) {
  return {
    deletionCostWrites: new Counter({
      name: "quiesce_deletion_cost_writes_total",
      help: "Pod writes of the pod-deletion-cost a preferIdle policy keeps in step with in-flight work: set (its bucket changed), clear (the policy no longer asks for it).",
      labelNames: ["action"],
      registers: r,
    }),
  };
}

function webhookMetrics(r: Registry[]) {
  return {
    webhookLatency: new Histogram({
      name: "quiesce_webhook_request_duration_seconds",
      help: "Admission webhook latency.",
      labelNames: ["webhook", "result"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: r,
    }),
  };
}

/** The work queue and reconciler, under controller-runtime's names. */
function controllerMetrics(r: Registry[]) {
  return {
    queueDepth: new Gauge({
      name: "workqueue_depth",
      help: "Current depth of the work queue.",
      labelNames: ["name"],
      registers: r,
    }),
    queueAdds: new Counter({
      name: "workqueue_adds_total",
      help: "Keys added to the work queue.",
      labelNames: ["name"],
      registers: r,
    }),
    queueRetries: new Counter({
      name: "workqueue_retries_total",
      help: "Retries handled by the work queue.",
      labelNames: ["name"],
      registers: r,
    }),
    reconcileTotal: new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Reconciliations per controller and result.",
      labelNames: ["controller", "result"],
      registers: r,
    }),
    reconcileErrors: new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Reconcile errors per controller.",
      labelNames: ["controller"],
      registers: r,
    }),
    reconcileTime: new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Reconcile duration per controller.",
      labelNames: ["controller"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: r,
    }),
  };
}

/** Traffic to the API server: watches restarted, writes made. */
function clusterMetrics(r: Registry[]) {
  return {
    informerRestarts: new Counter({
      name: "quiesce_informer_restarts_total",
      help: "Watch restarts per informer and reason.",
      labelNames: ["informer", "reason"],
      registers: r,
    }),
    apiRequests: new Counter({
      name: "quiesce_api_requests_total",
      help: "Kubernetes API write requests made by the operator, by verb and resource.",
      labelNames: ["verb", "resource"],
      registers: r,
    }),
  };
}

function leaderMetrics(r: Registry[]) {
  return {
    isLeader: new Gauge({
      name: "leader_election_master_status",
      help: "1 when this replica is the leader.",
      labelNames: ["name"],
      registers: r,
    }),
  };
}

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    ...drainMetrics(r),
    ...scaleInMetrics(r),
    ...webhookMetrics(r),
    ...controllerMetrics(r),
    ...clusterMetrics(r),
    ...leaderMetrics(r),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
