// The leader lifecycle: campaign for the Lease (or lead at once without election), start the controllers when
// leading, and exit when leadership is lost, like client-go's users (a clean restart beats a half-stopped leader).
import { hostname } from "node:os";
import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { LeaderElector } from "../kube/leader-election.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { OperatorConfig } from "./config.ts";

export interface Leadership {
  isLeader(): boolean;
  /** Gives the Lease up at once, so another replica takes over without waiting for it to expire. */
  release(): Promise<void>;
}

export function startLeadership(args: {
  config: OperatorConfig;
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics: Metrics;
  /** Starts the controllers; resolves once they run (false when the operator stopped first). */
  lead: () => Promise<boolean>;
  stopping: () => boolean;
}): Leadership {
  const { config, logger, metrics } = args;
  const label = { name: config.leaseName };
  if (!config.leaderElect) {
    let leading = false;
    void args.lead().then((started) => {
      leading = started;
    });
    return { isLeader: () => leading, release: async () => {} };
  }
  const elector = new LeaderElector({
    api: args.kubeConfig.makeApiClient(CoordinationV1Api),
    namespace: config.namespace,
    name: config.leaseName,
    identity: config.identity ?? `${hostname()}-${process.pid}`,
    leaseDurationMs: config.leaseDurationSeconds * 1000,
    renewDeadlineMs: config.renewDeadlineSeconds * 1000,
    retryPeriodMs: config.retryPeriodSeconds * 1000,
    logger,
    onStartedLeading: () => {
      metrics.isLeader.set(label, 1);
      void args.lead();
    },
    onStoppedLeading: () => {
      metrics.isLeader.set(label, 0);
      if (!args.stopping()) {
        logger.error("leadership lost; exiting");
        process.exit(1);
      }
    },
  });
  // A standby reports 0 (not nothing), so "exactly one leader" is sum(leader_election_master_status) == 1.
  metrics.isLeader.set(label, 0);
  void elector.run();
  return { isLeader: () => elector.isLeader(), release: () => elector.release() };
}
