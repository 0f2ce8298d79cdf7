// Leader election on a coordination.k8s.io Lease, following client-go's leaderelection: acquire, renew, release;
// a leader that cannot renew steps down and campaigns again (client-go's users exit instead).
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { jitter } from "../runtime/backoff.ts";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { isConflict, isNotFound } from "./api-errors.ts";

/** The Lease calls the elector makes. */
export type LeaseApi = Pick<
  CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

/** client-go's leaderelection.JitterFactor: a candidate retries after 1 to 2.2 retry periods. */
export const JITTER_FACTOR = 1.2;

export interface LeaderElectionTiming {
  /** How long a lease holds without renewal before others may take it. */
  leaseDurationMs: number;
  /** How long the leader keeps trying to renew before it steps down. */
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderElectionOptions extends LeaderElectionTiming {
  api: LeaseApi;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  clock?: Clock;
}

/**
 * Throws unless leaseDuration > renewDeadline > JITTER_FACTOR x retryPeriod > 0, as client-go's NewLeaderElector
 * does: a leader gives up before its lease can expire, and gets at least one retry before it gives up.
 */
export function validateLeaderElectionTiming(timing: LeaderElectionTiming): void {
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = timing;
  const problems = Object.entries({ leaseDurationMs, renewDeadlineMs, retryPeriodMs })
    .filter(([, ms]) => !(Number.isFinite(ms) && ms > 0))
    .map(([name, ms]) => `${name} (${ms}) must be greater than 0`);
  if (!(leaseDurationMs > renewDeadlineMs))
    problems.push(
      `leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`,
    );
  if (!(renewDeadlineMs > JITTER_FACTOR * retryPeriodMs))
    problems.push(
      `renewDeadlineMs (${renewDeadlineMs}) must be greater than ${JITTER_FACTOR} x retryPeriodMs (${retryPeriodMs})`,
    );
  if (problems.length > 0) throw new Error(`invalid leader election timing: ${problems.join("; ")}`);
}

export class LeaderElector {
  private readonly o: LeaderElectionOptions;
  private readonly clock: Clock;
  private readonly stop = new AbortController();
  private leading = false;
  /** The last record seen and when we saw it change: expiry is judged on our own clock, like client-go. */
  private observed: { raw: string; at: number } | undefined;
  private lease: V1Lease | undefined;

  /** Throws when the timing breaks client-go's rule (see validateLeaderElectionTiming). */
  constructor(options: LeaderElectionOptions) {
    validateLeaderElectionTiming(options);
    this.o = options;
    this.clock = options.clock ?? systemClock;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until elected, then renews until the lease is lost, then campaigns again, and so on until
   * `release()` or `abandon()`. Each term calls onStartedLeading once and, when it ends, onStoppedLeading once.
   */
  async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      if (!(await this.campaign())) return;
      await this.lead();
    }
  }

  /** Retries until the lease is ours; false when stopped first. */
  private async campaign(): Promise<boolean> {
    const { retryPeriodMs, renewDeadlineMs } = this.o;
    while (!this.stop.signal.aborted && !(await this.attempt(renewDeadlineMs))) {
      await this.pause(jitter(retryPeriodMs, JITTER_FACTOR));
    }
    return !this.stop.signal.aborted;
  }

  /** One term: renews every retry period until a renewal has failed for longer than the renew deadline. */
  private async lead(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.o;
    this.leading = true;
    this.o.logger.info({ lease: this.o.name, identity: this.o.identity }, "became leader");
    this.o.onStartedLeading();
    let lastRenew = this.clock.now();
    while (!this.stop.signal.aborted) {
      await this.pause(retryPeriodMs);
      if (this.stop.signal.aborted) break;
      // A call that hangs (a connection that went silent) must not keep a leader past its deadline.
      if (await this.attempt(lastRenew + renewDeadlineMs - this.clock.now())) {
        lastRenew = this.clock.now();
      } else if (this.clock.now() - lastRenew > renewDeadlineMs) {
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

  /**
   * tryAcquireOrRenew, counted as failed when it has not answered within `ms` (at least one retry period) or when
   * the elector stops first; the call itself is left to end on its own.
   */
  private attempt(ms: number): Promise<boolean> {
    const { signal } = this.stop;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        timer.cancel();
        signal.removeEventListener("abort", onAbort);
        resolve(ok);
      };
      const onAbort = () => done(false);
      const timer = this.clock.setTimer(Math.max(ms, this.o.retryPeriodMs), () => {
        this.o.logger.warn({ lease: this.o.name, ms: Math.round(ms) }, "lease call did not answer in time");
        done(false);
      });
      signal.addEventListener("abort", onAbort, { once: true });
      void this.tryAcquireOrRenew().then(done);
    });
  }

  /** Waits `ms`, or less when stopped (the loops then see the aborted signal). */
  private pause(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.stop.signal).catch(() => undefined);
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
          spec: {
            ...spec,
            holderIdentity: "",
            leaseDurationSeconds: 1,
            renewTime: new V1MicroTime(this.clock.now()),
          },
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
    const now = new V1MicroTime(this.clock.now());
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
      if (this.observed?.raw !== raw) this.observed = { raw, at: this.clock.now() };
      const holder = spec.holderIdentity ?? "";
      const expired =
        this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 < this.clock.now();
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
      this.observed = { raw: JSON.stringify(this.lease.spec ?? {}), at: this.clock.now() };
      return true;
    } catch (error) {
      if (!isConflict(error)) this.o.logger.warn({ lease: name, err: String(error) }, "lease update failed");
      return false;
    }
  }
}
