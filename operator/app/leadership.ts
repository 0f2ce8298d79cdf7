// The leader lifecycle: campaign for the Lease (or lead at once without election), start the controllers when
// leading, and when the Lease cannot be renewed step down in place (controllers stopped, caches and webhooks kept)
// and campaign again; a new term starts the controllers again from the warm caches.
import { hostname } from "node:os";
import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { LeaderElector } from "../kube/leader-election.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { OperatorConfig } from "./config.ts";
import type { LeaderTerms } from "./leader-terms.ts";

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
  /** Starts the controllers for each term and stops them when it ends. */
  terms: LeaderTerms;
  stopping: () => boolean;
}): Leadership {
  const { config, logger, metrics, terms } = args;
  const label = { name: config.leaseName };
  if (!config.leaderElect) {
    void terms.begin();
    return { isLeader: () => terms.running(), release: async () => {} };
  }
  const identity = config.identity ?? `${hostname()}-${process.pid}`;
  const log = logger.child({ controller: "leader-election", lease: config.leaseName, identity });
  const elector = new LeaderElector({
    api: args.kubeConfig.makeApiClient(CoordinationV1Api),
    namespace: config.namespace,
    name: config.leaseName,
    identity,
    leaseDurationMs: config.leaseDurationSeconds * 1000,
    renewDeadlineMs: config.renewDeadlineSeconds * 1000,
    retryPeriodMs: config.retryPeriodSeconds * 1000,
    logger,
    onStartedLeading: () => {
      metrics.isLeader.set(label, 1);
      void terms.begin();
    },
    onStoppedLeading: () => {
      metrics.isLeader.set(label, 0);
      if (args.stopping()) return; // the operator's own stop shuts the controllers down
      const stoppedAt = Date.now();
      log.error("leadership lost; stepping down in place: controllers stopped, campaigning again");
      void terms
        .end()
        .then(() =>
          log.info(
            { ms: Date.now() - stoppedAt },
            "controllers stopped; their interrupted reconciles returned",
          ),
        );
    },
  });
  // A standby reports 0 (not nothing), so "exactly one leader" is sum(leader_election_master_status) == 1.
  metrics.isLeader.set(label, 0);
  void elector.run();
  return { isLeader: () => elector.isLeader(), release: () => elector.release() };
}
