// Terms of leadership: controllers start once per term after the caches synced, stop when it ends, never twice.
import { describe, expect, it } from "vitest";
import { leaderTerms, type TermControllers } from "../../../operator/app/leader-terms.ts";
import { settle } from "../runtime/settle.ts";

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Controllers that record what they were told, with a stop that resolves when `finishStop` is called. */
function recorder() {
  const calls: string[] = [];
  let running = 0;
  let maxRunning = 0;
  let finish: (() => void) | undefined;
  const controllers: TermControllers = {
    start() {
      calls.push("start");
      running++;
      maxRunning = Math.max(maxRunning, running);
    },
    stop() {
      calls.push("stop");
      running--;
      return new Promise<void>((resolve) => {
        finish = resolve;
      });
    },
  };
  return { controllers, calls, maxRunning: () => maxRunning, finishStop: () => finish?.() };
}

describe("leaderTerms", () => {
  it("starts after the caches synced, stops on end, and starts again for the next term", async () => {
    const r = recorder();
    const started: number[] = [];
    const terms = leaderTerms({
      controllers: r.controllers,
      waitForSync: async () => {},
      onStarted: (n) => started.push(n),
    });
    expect(await terms.begin()).toBe(true);
    expect(terms.running()).toBe(true);
    let ended = false;
    const end = terms.end().then(() => {
      ended = true;
    });
    expect(terms.running()).toBe(false);
    await settle();
    expect(ended).toBe(false); // the interrupted reconciles have not returned yet
    r.finishStop();
    await end;
    expect(await terms.begin()).toBe(true);
    expect(r.calls).toEqual(["start", "stop", "start"]);
    expect(started).toEqual([1, 2]);
    expect(terms.terms()).toBe(2);
  });

  it("a term that ends while the caches sync never starts the controllers", async () => {
    const r = recorder();
    const sync = gate();
    const terms = leaderTerms({ controllers: r.controllers, waitForSync: () => sync.opened });
    const first = terms.begin();
    await terms.end(); // not running: nothing to stop
    sync.open();
    expect(await first).toBe(false);
    expect(r.calls).toEqual([]);
    expect(terms.running()).toBe(false);
  });

  it("two begins without an end start the controllers once", async () => {
    const r = recorder();
    const sync = gate();
    const terms = leaderTerms({ controllers: r.controllers, waitForSync: () => sync.opened });
    const a = terms.begin();
    const b = terms.begin();
    sync.open();
    expect([await a, await b]).toEqual([false, true]);
    expect(await terms.begin()).toBe(false);
    expect(r.calls).toEqual(["start"]);
    expect(r.maxRunning()).toBe(1);
  });

  it("close() stops a running term and lets none begin again", async () => {
    const r = recorder();
    const terms = leaderTerms({ controllers: r.controllers, waitForSync: async () => {} });
    await terms.begin();
    const closed = terms.close();
    r.finishStop();
    await closed;
    expect(await terms.begin()).toBe(false);
    expect(r.calls).toEqual(["start", "stop"]);
  });
});
