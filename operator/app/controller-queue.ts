// A controller's work queue with its metrics and logs: reconcile time, results, errors, depth, adds and retries.
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import { type ReconcileResult, WorkQueue } from "../runtime/work-queue.ts";

export function controllerQueue(
  name: string,
  reconcile: (key: string) => Promise<ReconcileResult>,
  workers: number,
  metrics: Metrics,
  logger: Logger,
  options: { holdRequeues?: boolean } = {},
): WorkQueue {
  return new WorkQueue({
    name,
    workers,
    holdRequeues: options.holdRequeues,
    reconcile: async (key) => {
      const timer = metrics.reconcileTime.startTimer({ controller: name });
      try {
        const result = await reconcile(key);
        metrics.reconcileTotal.inc({
          controller: name,
          result: result.kind === "error" ? "error" : result.kind === "done" ? "success" : "requeue_after",
        });
        if (result.kind === "error") {
          metrics.reconcileErrors.inc({ controller: name });
          logger.warn({ controller: name, key, err: String(result.error) }, "reconcile failed");
        }
        return result;
      } catch (error) {
        metrics.reconcileTotal.inc({ controller: name, result: "error" });
        metrics.reconcileErrors.inc({ controller: name });
        logger.warn(
          { controller: name, key, err: error instanceof Error ? error.message : String(error) },
          "reconcile threw",
        );
        return { kind: "error", error };
      } finally {
        timer();
      }
    },
    // client-go's 5 ms doubling, but capped at 5 s rather than 1000 s: a drain has a deadline, and a key that
    // failed all through an API server outage must be retried within seconds of its return.
    backoff: { baseMs: 5, maxMs: 5_000 },
    hooks: {
      onAdd: () => metrics.queueAdds.inc({ name }),
      onDepth: (depth) => metrics.queueDepth.set({ name }, depth),
      onRetry: () => metrics.queueRetries.inc({ name }),
    },
  });
}
