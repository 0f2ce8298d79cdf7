// Work queue: dedupe, one worker per key, dirty re-runs, delayed adds, backoff, stop and restart, shutdown; driven
// by a fake clock.
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../operator/runtime/clock.ts";
import { type ReconcileResult, WorkQueue } from "../../../operator/runtime/work-queue.ts";
import { expectDueAfter, settle, until } from "./settle.ts";

function deferred() {
  let resolve!: (r: ReconcileResult) => void;
  const promise = new Promise<ReconcileResult>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A queue on a fake clock whose reconcile records when it ran and answers `answer(runNumber)`. */
function timedQueue(answer: (run: number) => ReconcileResult, options: { holdRequeues?: boolean } = {}) {
  const clock = new FakeClock();
  const times: number[] = [];
  const q = new WorkQueue({
    name: "t",
    clock,
    ...options,
    reconcile: async () => {
      times.push(clock.now());
      return answer(times.length);
    },
  });
  return { clock, times, q };
}

describe("WorkQueue", () => {
  it("dedupes a key while it is queued", async () => {
    const runs: string[] = [];
    const q = new WorkQueue({
      name: "t",
      clock: new FakeClock(),
      reconcile: async (k) => {
        runs.push(k);
        return { kind: "done" };
      },
    });
    q.add("a");
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.len()).toBe(2);
    q.start();
    await until(() => runs.length === 2 && q.inProgress() === 0, "two runs");
    await settle();
    expect(runs).toEqual(["a", "b"]);
  });

  it("never hands a key being processed to a second worker; re-adds run once after (dirty)", async () => {
    const gates = new Map<string, ReturnType<typeof deferred>>();
    const runs: string[] = [];
    let concurrentA = 0;
    let maxConcurrentA = 0;
    const q = new WorkQueue({
      name: "t",
      workers: 8,
      clock: new FakeClock(),
      reconcile: async (k) => {
        runs.push(k);
        if (k === "a") maxConcurrentA = Math.max(maxConcurrentA, ++concurrentA);
        const d = deferred();
        gates.set(`${k}#${runs.filter((r) => r === k).length}`, d);
        const r = await d.promise;
        if (k === "a") concurrentA--;
        return r;
      },
    });
    q.start();
    q.add("a");
    await until(() => gates.has("a#1"), "first run of a");
    for (let i = 0; i < 5; i++) q.add("a");
    q.add("b");
    await until(() => gates.has("b#1"), "b runs on another worker");
    expect(runs).toEqual(["a", "b"]);
    expect(q.len()).toBe(0); // a is dirty, not queued, while it runs
    gates.get("a#1")?.resolve({ kind: "done" });
    await until(() => gates.has("a#2"), "a re-runs after its first run");
    gates.get("a#2")?.resolve({ kind: "done" });
    gates.get("b#1")?.resolve({ kind: "done" });
    await until(() => q.inProgress() === 0, "idle");
    await settle();
    expect(runs.filter((r) => r === "a")).toHaveLength(2);
    expect(maxConcurrentA).toBe(1);
  });

  it("keeps every key on one worker at a time under many workers and random adds", async () => {
    const active = new Map<string, number>();
    let violations = 0;
    let maxActive = 0;
    let total = 0;
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const q = new WorkQueue({
      name: "t",
      workers: 6,
      clock: new FakeClock(),
      reconcile: async (k) => {
        const n = (active.get(k) ?? 0) + 1;
        active.set(k, n);
        if (n > 1) violations++;
        total++;
        maxActive = Math.max(
          maxActive,
          [...active.values()].reduce((a, b) => a + b, 0),
        );
        const hops = Math.floor(rand() * 5);
        for (let i = 0; i < hops; i++) await new Promise((r) => setImmediate(r));
        active.set(k, (active.get(k) ?? 1) - 1);
        return { kind: "done" };
      },
    });
    q.start();
    for (let i = 0; i < 400; i++) {
      q.add(`k${Math.floor(rand() * 10)}`);
      if (rand() < 0.3) await new Promise((r) => setImmediate(r));
    }
    await until(() => q.inProgress() === 0 && q.len() === 0, "queue drained");
    expect(violations).toBe(0);
    expect(maxActive).toBeLessThanOrEqual(6);
    expect(maxActive).toBeGreaterThan(1);
    expect(total).toBeGreaterThanOrEqual(10);
  });

  it("releases delayed keys in due order, keeping the earlier time for a key added twice", async () => {
    const clock = new FakeClock(1000);
    const runs: Array<[string, number]> = [];
    const q = new WorkQueue({
      name: "t",
      clock,
      reconcile: async (k) => {
        runs.push([k, clock.now()]);
        return { kind: "done" };
      },
    });
    q.start();
    q.addAfter("c", 30);
    q.addAfter("a", 10);
    q.addAfter("b", 20);
    q.addAfter("a", 50); // later: ignored, a stays at 10
    q.addAfter("b", 5); // earlier: wins
    clock.advance(9);
    await settle();
    expect(runs).toEqual([["b", 1005]]);
    clock.advance(1);
    await until(() => runs.length === 2, "a ran");
    clock.advance(20);
    await until(() => runs.length === 3, "c ran");
    expect(runs).toEqual([
      ["b", 1005],
      ["a", 1010],
      ["c", 1030],
    ]);
  });

  it("applies requeueAfter: the key runs again only when due", async () => {
    const { clock, times, q } = timedQueue((n) =>
      n < 3 ? { kind: "requeueAfter", ms: 250 } : { kind: "done" },
    );
    q.start();
    q.add("p");
    await until(() => times.length === 1, "first run");
    clock.advance(249);
    await settle();
    expect(times).toEqual([0]);
    clock.advance(1);
    await until(() => times.length === 2, "second run");
    clock.advance(250);
    await until(() => times.length === 3, "third run");
    clock.advance(10_000);
    await settle();
    expect(times).toEqual([0, 250, 500]);
  });

  it("holdRequeues: an add does not run a key before its requeue is due; wake does", async () => {
    const { clock, times, q } = timedQueue(() => ({ kind: "requeueAfter", ms: 1000 }), {
      holdRequeues: true,
    });
    q.start();
    q.add("p");
    await until(() => times.length === 1, "first run");
    // Events in between (the controller's own writes) wait for the poll it asked for.
    clock.advance(300);
    q.add("p");
    clock.advance(300);
    q.add("p");
    await settle();
    expect(times).toEqual([0]);
    await expectDueAfter(clock, 400, () => times.length, "the requested poll");
    expect(times).toEqual([0, 1000]);
    // A wake runs it at once; the poll it then asks for counts from that run, with no extra run at the old time.
    clock.advance(200);
    q.wake("p");
    await until(() => times.length === 3, "the woken run");
    expect(times[2]).toBe(1200);
    clock.advance(800);
    q.add("p");
    await settle();
    expect(times).toHaveLength(3);
    await expectDueAfter(clock, 200, () => times.length, "the poll after the wake");
    expect(times).toEqual([0, 1000, 1200, 2200]);
  });

  it("without holdRequeues an add runs a waiting key at once (client-go)", async () => {
    const { clock, times, q } = timedQueue((n) =>
      n === 1 ? { kind: "requeueAfter", ms: 1000 } : { kind: "done" },
    );
    q.start();
    q.add("p");
    await until(() => times.length === 1, "first run");
    clock.advance(300);
    q.add("p");
    await until(() => times.length === 2, "the added run");
    expect(times).toEqual([0, 300]);
  });

  it("backs off failures exponentially per key, retrying at each delay on the fake clock, and resets after success or forget", async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    let fail = true;
    const retries: number[] = [];
    const q = new WorkQueue({
      name: "t",
      clock,
      backoff: { baseMs: 5, maxMs: 40 },
      hooks: { onRetry: (_k, ms) => retries.push(ms) },
      reconcile: async () => {
        times.push(clock.now());
        if (times.length === 3) throw new Error("thrown errors count as failures");
        return fail ? { kind: "error", error: new Error("boom") } : { kind: "done" };
      },
    });
    q.start();
    q.add("x");
    await until(() => retries.length === 1, "failure 1");
    for (const delay of [5, 10, 20, 40, 40]) await expectDueAfter(clock, delay, () => times.length, "retry");
    await until(() => retries.length === 6, "failure 6");
    expect(retries).toEqual([5, 10, 20, 40, 40, 40]);
    expect(times).toEqual([0, 5, 15, 35, 75, 115]);
    expect(q.numRequeues("x")).toBe(6);
    fail = false;
    clock.advance(40);
    await until(() => times.length === 7 && q.inProgress() === 0, "success");
    expect(q.numRequeues("x")).toBe(0);
    fail = true;
    q.add("x");
    await until(() => retries.length === 7, "next failure");
    expect(retries[6]).toBe(5);
    q.forget("x");
    expect(q.numRequeues("x")).toBe(0);
  });

  it("reports adds (deduplicated), depth, queue latency and work duration", async () => {
    const clock = new FakeClock();
    const adds: string[] = [];
    const depths: number[] = [];
    const latencies: number[] = [];
    const durations: Array<[number, string]> = [];
    const d = deferred();
    const q = new WorkQueue({
      name: "t",
      clock,
      hooks: {
        onAdd: (k) => adds.push(k),
        onDepth: (n) => depths.push(n),
        onQueueLatency: (ms) => latencies.push(ms),
        onWorkDuration: (ms, kind) => durations.push([ms, kind]),
      },
      reconcile: () => d.promise,
    });
    q.add("a");
    q.add("b");
    q.add("a");
    clock.advance(7);
    q.start();
    clock.advance(3);
    d.resolve({ kind: "done" });
    await until(() => durations.length === 2, "two runs");
    expect(adds).toEqual(["a", "b"]);
    expect(depths.slice(0, 2)).toEqual([1, 2]);
    expect(depths.at(-1)).toBe(0);
    expect(latencies[0]).toBe(7);
    expect(durations[0]).toEqual([3, "done"]);
  });

  it("shuts down gracefully: waits for running reconciles, drops queued and delayed keys, ignores new adds", async () => {
    const clock = new FakeClock();
    const runs: string[] = [];
    const d = deferred();
    const q = new WorkQueue({
      name: "t",
      clock,
      reconcile: async (k) => {
        runs.push(k);
        return k === "a" ? d.promise : { kind: "done" };
      },
    });
    q.start();
    q.add("a");
    q.add("b");
    q.addAfter("c", 10);
    await until(() => runs.length === 1, "a running");
    let stopped = false;
    const done = q.shutdown().then(() => {
      stopped = true;
    });
    q.add("d");
    await settle();
    expect(stopped).toBe(false);
    d.resolve({ kind: "requeueAfter", ms: 1 });
    await done;
    clock.advance(1000);
    await settle();
    expect(runs).toEqual(["a"]);
    expect(clock.pending()).toBe(0);
  });

  it("shutdown with drainQueued runs the queued keys first", async () => {
    const runs: string[] = [];
    const q = new WorkQueue({
      name: "t",
      clock: new FakeClock(),
      reconcile: async (k) => {
        runs.push(k);
        await new Promise((r) => setImmediate(r));
        return { kind: "requeueAfter", ms: 0 };
      },
    });
    q.add("a");
    q.add("b");
    q.start();
    await q.shutdown({ drainQueued: true });
    await settle();
    expect(runs).toEqual(["a", "b"]);
  });

  it("stop(): drops queued, delayed and held keys and their timers, discards a running result; start() again runs new adds", async () => {
    const clock = new FakeClock();
    const runs: string[] = [];
    const d = deferred();
    const q = new WorkQueue({
      name: "t",
      clock,
      workers: 2,
      holdRequeues: true,
      reconcile: async (k) => {
        runs.push(`${k}@${clock.now()}`);
        if (k === "held") return { kind: "requeueAfter", ms: 60_000 };
        if (runs.length <= 3) return d.promise;
        return { kind: "error", error: new Error("x") };
      },
    });
    q.start();
    q.add("held"); // runs, then asks for a poll in 60 s
    await until(() => runs.length === 1 && q.inProgress() === 0, "held ran");
    q.add("a"); // both workers busy
    q.add("b");
    await until(() => runs.length === 3, "a and b running");
    q.add("queued");
    q.addAfter("delayed", 500);
    let stopped = false;
    const stop = q.stop().then(() => {
      stopped = true;
    });
    expect(q.running()).toBe(false);
    expect(q.len()).toBe(0);
    expect(clock.pending()).toBe(0); // the delayed key's timer is gone
    await settle();
    expect(stopped).toBe(false); // a and b still run
    d.resolve({ kind: "requeueAfter", ms: 1 }); // discarded: no timer, no retry
    await stop;
    clock.advance(30_000); // before held's old poll was due
    await settle();
    expect(clock.pending()).toBe(0);
    expect(runs).toEqual(["held@0", "a@0", "b@0"]);

    // While stopped, adds wait (as before a first start); start() runs them, and "held" at once (no old poll).
    q.add("held");
    q.add("a");
    await settle();
    expect(runs).toHaveLength(3);
    expect(q.len()).toBe(2);
    q.start();
    await until(() => runs.length === 5, "held and a run after the restart");
    expect(runs.slice(3).sort()).toEqual(["a@30000", "held@30000"]);
    // "a" failed in the new term: retried after the base delay, its failure count restarted from zero.
    expect(q.numRequeues("a")).toBe(1);
    await q.shutdown();
  });

  it("a key still running from before a stop gets no second worker after the restart; it runs again after", async () => {
    const clock = new FakeClock();
    const d = deferred();
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const q = new WorkQueue({
      name: "t",
      clock,
      workers: 4,
      reconcile: async () => {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        try {
          return runs === 1 ? await d.promise : { kind: "done" };
        } finally {
          concurrent--;
        }
      },
    });
    q.start();
    q.add("a");
    await until(() => runs === 1, "a running");
    void q.stop();
    q.start();
    q.add("a"); // the new term's resync
    await settle();
    expect(runs).toBe(1);
    d.resolve({ kind: "done" });
    await until(() => runs === 2 && concurrent === 0, "a runs again once its old run returned");
    expect(maxConcurrent).toBe(1);
    await q.shutdown();
    expect(clock.pending()).toBe(0);
  });

  it("stop() with nothing running resolves at once, and start() after shutdown() stays shut", async () => {
    const q = new WorkQueue({ name: "t", clock: new FakeClock(), reconcile: async () => ({ kind: "done" }) });
    q.start();
    await q.stop();
    await q.shutdown();
    q.start();
    expect(q.running()).toBe(false);
  });
});
