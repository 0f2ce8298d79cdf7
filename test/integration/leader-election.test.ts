// Leader election on a real Lease: one leader at a time, fast hand-over on release, take-over after expiry.
import { CoordinationV1Api } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { LeaderElector } from "../../operator/kube/leader-election.ts";
import { waitFor } from "../harness/wait-for.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";

const kc = loadKubeConfig();
const api = kc.makeApiClient(CoordinationV1Api);
const logger = pino({ level: "silent" });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A lease that expires long after a release should have handed it over, so "at once" and "after expiry" stay
 * apart even when the shared API server answers a call in a second or two.
 */
const LEASE_MS = 8000;

function candidate(namespace: string, identity: string) {
  const events: string[] = [];
  const elector = new LeaderElector({
    api,
    namespace,
    name: "quiesce-operator",
    identity,
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: 2000,
    retryPeriodMs: 300,
    logger,
    onStartedLeading: () => events.push("started"),
    onStoppedLeading: () => events.push("stopped"),
  });
  const running = elector.run();
  cleanups.push(async () => {
    await elector.release();
    await running;
  });
  return { elector, events, running };
}

describe("leader election", () => {
  it("elects one leader, hands over at once on release, and takes over an abandoned lease after it expires", async () => {
    const ns = await createNamespace(kc, "lease");
    cleanups.push(ns.cleanup);
    const a = candidate(ns.name, "a");
    await waitFor(() => a.elector.isLeader(), { timeoutMs: 10_000, what: "a leads" });
    const b = candidate(ns.name, "b");
    // b keeps campaigning but never leads while a renews.
    await new Promise((r) => setTimeout(r, LEASE_MS + 1000)); // longer than the lease: a really renews
    expect(b.elector.isLeader()).toBe(false);
    const lease = await api.readNamespacedLease({ namespace: ns.name, name: "quiesce-operator" });
    expect(lease.spec?.holderIdentity).toBe("a");

    const released = Date.now();
    await a.elector.release();
    await waitFor(() => b.elector.isLeader(), { timeoutMs: 10_000, what: "b leads after a released" });
    const handOverMs = Date.now() - released;
    expect(handOverMs).toBeLessThan(LEASE_MS / 2); // a released lease is free at once (duration 1 s), not at expiry
    expect(a.events).toEqual(["started", "stopped"]);

    // A third candidate takes over once b stops renewing without releasing (a crash).
    const c = candidate(ns.name, "c");
    b.elector.abandon(); // b stops renewing but keeps the lease
    const abandoned = Date.now();
    await waitFor(() => c.elector.isLeader(), {
      timeoutMs: LEASE_MS + 10_000,
      what: "c takes over the expired lease",
    });
    const takeOverMs = Date.now() - abandoned;
    expect(takeOverMs).toBeGreaterThanOrEqual(LEASE_MS - 500);
    const after = await api.readNamespacedLease({ namespace: ns.name, name: "quiesce-operator" });
    expect(after.spec?.holderIdentity).toBe("c");
    expect(after.spec?.leaseTransitions).toBeGreaterThanOrEqual(2);
    console.log(JSON.stringify({ leaderElection: { handOverMs, takeOverMs } }));
  });
});
