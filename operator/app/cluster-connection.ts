// The operator's connection to the cluster: API clients, the informer caches, pod writes and Events.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, DiscoveryV1Api } from "@kubernetes/client-node";
import { createClusterCache } from "../kube/cache.ts";
import { eventRecorder } from "../kube/events.ts";
import { loadKubeConfig } from "../kube/kube-config.ts";
import { podWriter } from "../kube/pods.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { OperatorConfig } from "./config.ts";

export function connectToCluster(config: OperatorConfig, logger: Logger, metrics: Metrics) {
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  /** Counts the operator's own API writes (quiesce_api_requests_total). */
  const write = (verb: string, resource: string) => metrics.apiRequests.inc({ verb, resource });
  const cache = createClusterCache(
    {
      kubeConfig,
      core,
      apps: kubeConfig.makeApiClient(AppsV1Api),
      custom,
      discovery: kubeConfig.makeApiClient(DiscoveryV1Api),
    },
    logger,
    (informer, reason) => metrics.informerRestarts.inc({ informer, reason }),
  );
  const pods = podWriter(core, write);
  const events = eventRecorder(core, "quiesce-operator", (error) =>
    logger.debug({ err: String(error) }, "event not recorded"),
  );
  return { kubeConfig, core, custom, cache, pods, events, write };
}
