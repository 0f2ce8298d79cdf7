// Leader elector on a fake Lease API and a fake clock: acquire, renew, step down and campaign again, wait out a
// held lease, hand over.
import { type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { operatorConfigSchema, parseOperatorConfig } from "../../../operator/app/config.ts";
import {
  type LeaderElectionTiming,
  LeaderElector,
  type LeaseApi,
  validateLeaderElectionTiming,
} from "../../../operator/kube/leader-election.ts";
import { FakeClock } from "../../../operator/runtime/clock.ts";
import { settle, until } from "../runtime/settle.ts";

const logger = pino({ level: "silent" });
const START = Date.parse("2025-01-01T00:00:00Z");
const TIMING: LeaderElectionTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

/** One Lease kept in memory, with resourceVersion conflicts like the API server's. */
class FakeLeases implements LeaseApi {
  lease: V1Lease | undefined;
  /** When set, every call fails with it. */
  failure: Error | undefined;
  private version = 0;

  async readNamespacedLease(): Promise<V1Lease> {
    if (this.failure) throw this.failure;
    if (this.lease === undefined) throw apiError(404);
    return structuredClone(this.lease);
  }

  async createNamespacedLease(param: Parameters<LeaseApi["createNamespacedLease"]>[0]): Promise<V1Lease> {
    if (this.failure) throw this.failure;
    if (this.lease !== undefined) throw apiError(409);
    return this.store(param.body);
  }

  async replaceNamespacedLease(param: Parameters<LeaseApi["replaceNamespacedLease"]>[0]): Promise<V1Lease> {
    if (this.failure) throw this.failure;
    if (this.lease === undefined) throw apiError(404);
    if (param.body.metadata?.resourceVersion !== this.lease.metadata?.resourceVersion) throw apiError(409);
    return this.store(param.body);
  }

  /** Another replica renewing the lease it holds. */
  renewAs(holder: string, at: number): void {
    this.store({
      metadata: { name: "quiesce-operator", namespace: "ns" },
      spec: { holderIdentity: holder, leaseDurationSeconds: 15, renewTime: new V1MicroTime(at) },
    });
  }

  private store(body: V1Lease): V1Lease {
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }
}

function candidate(api: FakeLeases, clock: FakeClock, identity: string, timing = TIMING) {
  const events: string[] = [];
  const elector = new LeaderElector({
    ...timing,
    api,
    namespace: "ns",
    name: "quiesce-operator",
    identity,
    logger,
    clock,
    onStartedLeading: () => events.push("started"),
    onStoppedLeading: () => events.push("stopped"),
  });
  let ended = false;
  const running = elector.run().then(() => {
    ended = true;
  });
  return { elector, events, running, ended: () => ended };
}

describe("LeaderElector", () => {
  let clock: FakeClock;
  let api: FakeLeases;
  const electors: LeaderElector[] = [];
  /** Moves the clock to `START + ms`, letting the electors' API calls finish at each step. */
  const advanceTo = async (ms: number) => {
    while (clock.now() < START + ms) {
      clock.advance(Math.min(100, START + ms - clock.now()));
      await settle();
    }
  };
  /** A running candidate whose first attempt has been answered. */
  const start = async (identity: string) => {
    const c = candidate(api, clock, identity);
    electors.push(c.elector);
    await settle();
    return c;
  };

  beforeEach(() => {
    clock = new FakeClock(START);
    api = new FakeLeases();
    // Campaign retries wait exactly one retry period (the low end of client-go's jitter).
    vi.spyOn(Math, "random").mockReturnValue(0);
  });
  afterEach(() => {
    for (const e of electors.splice(0)) e.abandon();
    vi.restoreAllMocks();
  });

  it("creates and takes a free lease, then renews it every retry period", async () => {
    const a = await start("a");
    await until(() => a.elector.isLeader(), "a leads");
    expect(a.events).toEqual(["started"]);
    expect(api.lease?.spec).toMatchObject({
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: new Date(START),
      renewTime: new Date(START),
    });

    const renewals: number[] = [];
    for (let i = 1; i <= 3; i++) {
      await advanceTo(i * 2_000 - 1);
      expect(api.lease?.spec?.renewTime?.getTime()).toBe(START + (i - 1) * 2_000);
      await advanceTo(i * 2_000);
      renewals.push((api.lease?.spec?.renewTime?.getTime() ?? 0) - START);
    }
    expect(renewals).toEqual([2_000, 4_000, 6_000]);
    expect(api.lease?.spec?.acquireTime?.getTime()).toBe(START);
    expect(api.lease?.spec?.leaseTransitions).toBe(0);
    expect(a.elector.isLeader()).toBe(true);
  });

  it("rides out failed renewals within the renew deadline, and steps down once past it", async () => {
    const a = await start("a");
    await until(() => a.elector.isLeader(), "a leads");
    api.failure = apiError(500);
    await advanceTo(4_000); // renewals at 2 s and 4 s fail
    api.failure = undefined;
    await advanceTo(6_000); // renewed at 6 s
    expect(api.lease?.spec?.renewTime?.getTime()).toBe(START + 6_000);

    api.failure = apiError(500);
    // Failing from 8 s on: at 16 s it is 10 s since the last renewal (not past the deadline), at 18 s it is 12 s.
    await advanceTo(16_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(["started"]);
    await advanceTo(18_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(["started", "stopped"]);
    // It stays in the race: run() goes on campaigning, and wins its own lease back once the API server answers.
    await advanceTo(24_000);
    expect(a.ended()).toBe(false);
    expect(a.events).toEqual(["started", "stopped"]);
    api.failure = undefined;
    await advanceTo(26_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(["started", "stopped", "started"]);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "a", leaseTransitions: 0 });
  });

  it("a stepped-down leader stands by while another replica took the lease, and leads again after it lets go", async () => {
    const a = await start("a");
    await until(() => a.elector.isLeader(), "a leads");
    api.failure = apiError(503);
    await advanceTo(12_000); // last renewal at 0 s, failing since: past the deadline at 12 s
    expect(a.events).toEqual(["started", "stopped"]);
    // b took the lease while a was cut off; a sees it renewed and waits.
    api.failure = undefined;
    api.renewAs("b", START + 12_000);
    for (const at of [15_000, 25_000, 35_000]) {
      await advanceTo(at);
      api.renewAs("b", START + at);
    }
    await advanceTo(50_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(["started", "stopped"]);
    // b renewed last at 35 s, seen at a's retry at 36 s: expired after 51 s on a's clock, taken at 52 s.
    await advanceTo(52_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(["started", "stopped", "started"]);
    expect(api.lease?.spec?.holderIdentity).toBe("a");
  });

  it("a renewal that never answers counts as failed: the leader steps down at the renew deadline, not never", async () => {
    const a = await start("a");
    await until(() => a.elector.isLeader(), "a leads");
    const hanging = new Promise<V1Lease>(() => undefined);
    vi.spyOn(api, "readNamespacedLease").mockImplementation(() => hanging);
    // The renewal at 2 s hangs; it is given up at 10 s (the deadline), the next at 12 s hangs 2 s more.
    await advanceTo(13_900);
    expect(a.elector.isLeader()).toBe(true);
    await advanceTo(14_100);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(["started", "stopped"]);
    expect(a.ended()).toBe(false);
    // Campaigning again, its call hangs too: release() ends run() at once, without waiting for the call.
    await advanceTo(15_000);
    await a.elector.release();
    await until(a.ended, "run() returns while the call still hangs");
  });

  it("leaves a lease another replica renews alone, and takes it over once it expires on its own clock", async () => {
    // A stale renewTime does not matter: expiry counts from when this replica saw the record change.
    api.renewAs("b", START - 3_600_000);
    const a = await start("a");
    for (const at of [5_000, 15_000, 25_000]) {
      await advanceTo(at);
      api.renewAs("b", START + at);
    }
    // The last change is seen at 26 s; it expires after 26 + 15 = 41 s, noticed at the retry at 42 s.
    await advanceTo(41_999);
    expect(a.elector.isLeader()).toBe(false);
    expect(api.lease?.spec?.holderIdentity).toBe("b");
    await advanceTo(42_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(api.lease?.spec).toMatchObject({
      holderIdentity: "a",
      leaseTransitions: 1,
      acquireTime: new Date(START + 42_000),
    });
  });

  it("release() hands the lease over at once: holder cleared, duration 1 s, the next candidate takes it", async () => {
    const a = await start("a");
    await until(() => a.elector.isLeader(), "a leads");
    const b = await start("b");
    await advanceTo(10_000);
    expect(b.elector.isLeader()).toBe(false);

    await a.elector.release();
    expect(a.elector.isLeader()).toBe(false);
    expect(a.events).toEqual(["started", "stopped"]);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    await until(a.ended, "a's run() returns");

    await advanceTo(12_000); // b's next retry, long before a's 15 s lease would have expired
    expect(b.elector.isLeader()).toBe(true);
    expect(b.events).toEqual(["started"]);
    expect(api.lease?.spec).toMatchObject({
      holderIdentity: "b",
      leaseDurationSeconds: 15,
      leaseTransitions: 1,
    });
    expect(a.events).toEqual(["started", "stopped"]);
  });

  it("release() by a candidate that never led leaves the lease alone", async () => {
    api.renewAs("b", START);
    const a = await start("a");
    await advanceTo(2_000);
    await a.elector.release();
    await until(a.ended, "run() returns");
    expect(a.events).toEqual([]);
    expect(api.lease?.spec?.holderIdentity).toBe("b");
  });

  describe("timing validation (client-go's NewLeaderElector rule)", () => {
    it.each([
      [
        { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
        "leaseDurationMs (10000) must be greater than renewDeadlineMs (10000)",
      ],
      [
        { leaseDurationMs: 15_000, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 },
        "renewDeadlineMs (2400) must be greater than 1.2 x retryPeriodMs (2000)",
      ],
      [
        { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 0 },
        "retryPeriodMs (0) must be greater than 0",
      ],
      [
        { leaseDurationMs: 15_000, renewDeadlineMs: -1, retryPeriodMs: -1 },
        "renewDeadlineMs (-1) must be greater than 0",
      ],
      [
        { leaseDurationMs: Number.NaN, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
        "leaseDurationMs (NaN) must be greater than 0",
      ],
    ])("rejects %o: %s", (timing, message) => {
      expect(() => validateLeaderElectionTiming(timing)).toThrow(message);
      expect(() => candidate(api, clock, "a", timing)).toThrow(`invalid leader election timing: `);
    });

    it("the operator's flags are checked by the same rule, naming the flag", () => {
      expect(() => parseOperatorConfig({ leaderElect: "true" })).not.toThrow();
      expect(() =>
        parseOperatorConfig({ leaderElect: "true", leaseDurationSeconds: 5, renewDeadlineSeconds: 10 }),
      ).toThrow(/--lease-duration-seconds: must be greater than --renew-deadline-seconds \(10\)/);
      expect(() =>
        parseOperatorConfig({ leaderElect: true, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 }),
      ).toThrow(/--renew-deadline-seconds: must be greater than 1.2 x --retry-period-seconds \(2\)/);
      // Without leader election the Lease timing is unused and not checked.
      expect(() => parseOperatorConfig({ renewDeadlineSeconds: 2, retryPeriodSeconds: 2 })).not.toThrow();
    });

    it("accepts the operator config's defaults and the integration test's timing", () => {
      const config = operatorConfigSchema.parse({});
      const defaults = {
        leaseDurationMs: config.leaseDurationSeconds * 1000,
        renewDeadlineMs: config.renewDeadlineSeconds * 1000,
        retryPeriodMs: config.retryPeriodSeconds * 1000,
      };
      expect(defaults).toEqual(TIMING);
      expect(() => validateLeaderElectionTiming(defaults)).not.toThrow();
      expect(() =>
        validateLeaderElectionTiming({ leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 }),
      ).not.toThrow();
    });
  });
});
