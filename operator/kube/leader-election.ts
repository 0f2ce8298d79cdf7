// Leader election on a coordination.k8s.io Lease, following client-go's leaderelection: acquire, renew, release.
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isConflict, isNotFound } from "./api-errors.ts";

export interface LeaderElectionOptions {
  api: CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
const jitter = (ms: number) => ms * (1 + Math.random() * 1.2);

export class LeaderElector {
  private readonly o: LeaderElectionOptions;
  private readonly stop = new AbortController();
  private leading = false;
  /** The last record seen and when we saw it change: expiry is judged on our own clock, like client-go. */
  private observed: { raw: string; at: number } | undefined;
  private lease: V1Lease | undefined;

  constructor(options: LeaderElectionOptions) {
    this.o = options;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns until elected, then renews until the lease is lost or `release()` is called. */
  async run(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.o;
    while (!this.stop.signal.aborted && !(await this.tryAcquireOrRenew())) {
      await sleep(jitter(retryPeriodMs), this.stop.signal);
    }
    if (this.stop.signal.aborted) return;
    this.leading = true;
    this.o.logger.info({ lease: this.o.name, identity: this.o.identity }, "became leader");
    this.o.onStartedLeading();
    let lastRenew = Date.now();
    while (!this.stop.signal.aborted) {
      await sleep(retryPeriodMs, this.stop.signal);
      if (this.stop.signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew > renewDeadlineMs) {
        this.o.logger.error(
          { lease: this.o.name },
          "failed to renew the lease within the renew deadline; stepping down",
        );
        break;
      }
    }
    if (this.leading) {
      this.leading = false;
      this.o.onStoppedLeading();
    }
  }

  /** Stops campaigning and renewing but keeps the lease, as a crashed replica would (others wait for it to expire). */
  abandon(): void {
    this.stop.abort();
  }

  /** Stops campaigning and, if leading, hands the lease back so another replica takes over at once. */
  async release(): Promise<void> {
    this.stop.abort();
    if (!this.leading || this.lease === undefined) return;
    this.leading = false;
    const spec = this.lease.spec ?? {};
    try {
      await this.o.api.replaceNamespacedLease({
        namespace: this.o.namespace,
        name: this.o.name,
        body: {
          ...this.lease,
          spec: { ...spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: new V1MicroTime() },
        },
      });
      this.o.logger.info({ lease: this.o.name }, "lease released");
    } catch (error) {
      this.o.logger.warn({ lease: this.o.name, err: String(error) }, "could not release the lease");
    }
    this.o.onStoppedLeading();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.o;
    const now = new V1MicroTime();
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    try {
      let current: V1Lease;
      try {
        current = await api.readNamespacedLease({ namespace, name });
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.lease = await api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      }
      const spec = current.spec ?? {};
      const raw = JSON.stringify(spec);
      if (this.observed?.raw !== raw) this.observed = { raw, at: Date.now() };
      const holder = spec.holderIdentity ?? "";
      const expired = this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < Date.now();
      if (holder !== "" && holder !== identity && !expired) return false;
      const mine = holder === identity;
      this.lease = await api.replaceNamespacedLease({
        namespace,
        name,
        body: {
          ...current,
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: mine ? spec.acquireTime : now,
            renewTime: now,
            leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
          },
        },
      });
      this.observed = { raw: JSON.stringify(this.lease.spec ?? {}), at: Date.now() };
      return true;
    } catch (error) {
      if (!isConflict(error)) this.o.logger.warn({ lease: name, err: String(error) }, "lease update failed");
      return false;
    }
  }
}
