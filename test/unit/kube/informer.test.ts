// Informer on a fake list/watch and a fake clock: list + watch, relist on 410, restart backoff, stop (stalls: informer-stall).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { expectDueAfter, settle, until } from "../runtime/settle.ts";
import { type FakeWatch, obj, setup } from "./fake-list-watch.ts";

describe("Informer", () => {
  let stop: (() => void) | undefined;
  beforeEach(() => {
    vi.spyOn(Math, "random").mockReturnValue(0);
  });
  afterEach(() => {
    stop?.();
    stop = undefined;
    vi.restoreAllMocks();
  });

  it("lists, watches from the list's resourceVersion, applies events, and resumes a closed watch without a relist", async () => {
    const { clock, fake, events, informer, label } = setup();
    stop = () => informer.stop();
    fake.lists.push({ items: [obj("a", "1"), obj("b", "1")], resourceVersion: "10" });
    informer.start();
    await informer.waitForSync();
    await until(() => fake.watches.length === 1, "first watch");
    expect(fake.current().query).toEqual({
      resourceVersion: "10",
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
    });

    fake.current().event("ADDED", obj("c", "11"));
    fake.current().event("MODIFIED", obj("a", "12"));
    fake.current().event("DELETED", obj("b", "13"));
    fake.current().event("BOOKMARK", { metadata: { resourceVersion: "20" } });
    expect(events).toEqual(["add a@1", "add b@1", "add c@11", "update a@1 -> a@12", "delete b@13"]);
    expect(informer.list().map(label).sort()).toEqual(["a@12", "c@11"]);

    fake.current().end(); // the server's watch timeout
    clock.advance(0);
    await until(() => fake.watches.length === 2, "resumed watch");
    expect(fake.current().query.resourceVersion).toBe("20");
    expect(fake.listCalls).toBe(1);
  });

  it.each([
    [
      "an ERROR event with 410",
      (w: FakeWatch) => {
        w.event("ERROR", { code: 410 });
        w.end();
      },
    ],
    [
      "the watch ending with 410",
      (w: FakeWatch) => w.end(Object.assign(new Error("Gone"), { statusCode: 410 })),
    ],
  ])("relists on %s and keeps the cache consistent across the relist", async (_name, gone) => {
    const { clock, fake, events, restarts, informer, label } = setup();
    stop = () => informer.stop();
    fake.lists.push({ items: [obj("a", "1"), obj("b", "1"), obj("c", "1")], resourceVersion: "10" });
    fake.lists.push({ items: [obj("a", "5"), obj("c", "1"), obj("d", "5")], resourceVersion: "50" });
    informer.start();
    await until(() => fake.watches.length === 1, "first watch");
    events.length = 0;

    gone(fake.current());
    clock.advance(0); // a relist is immediate, not backed off
    await until(() => fake.watches.length === 2, "watch after the relist");
    expect(fake.listCalls).toBe(2);
    expect(fake.current().query.resourceVersion).toBe("50");
    expect(events).toEqual(["delete b@1", "update a@1 -> a@5", "add d@5"]);
    expect(informer.list().map(label).sort()).toEqual(["a@5", "c@1", "d@5"]);
    expect(informer.get("ns", "b")).toBeUndefined();
    expect(restarts).toEqual([]);
  });

  it("restarts after list and watch failures with a growing, capped backoff, reset by an event", async () => {
    const { clock, fake, restarts, informer } = setup();
    stop = () => informer.stop();
    const attempts = () => fake.listCalls + fake.watches.length;
    const expectRetryAfter = (delay: number) => expectDueAfter(clock, delay, attempts, "retry");

    fake.lists.push(new Error("connection refused"));
    informer.start();
    await until(() => restarts.length === 1, "list failure");
    // Math.random() is 0: each delay is the lower end of its jitter, half of 400 ms doubling to the 2 s cap.
    fake.lists.push({ items: [], resourceVersion: "1" });
    fake.watchStartError = new Error("no currently active cluster");
    await expectRetryAfter(200);
    await until(() => restarts.length === 2, "watch start failure");
    for (const delay of [400, 800, 1000, 1000]) {
      await expectRetryAfter(delay);
      fake.current().end(new Error("connection reset"));
    }
    await expectRetryAfter(1000);
    expect(restarts).toEqual([
      "list failed",
      "watch could not start",
      "watch failed",
      "watch failed",
      "watch failed",
      "watch failed",
    ]);

    fake.current().event("ADDED", obj("a", "2"));
    fake.current().end(new Error("connection reset"));
    await expectRetryAfter(200);
    expect(fake.listCalls).toBe(2);
  });

  it("spreads the restart delay between half and all of the backoff", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const { clock, fake, informer } = setup();
    stop = () => informer.stop();
    fake.lists.push({ items: [], resourceVersion: "1" });
    informer.start();
    await until(() => fake.watches.length === 1, "first watch");
    fake.current().end(new Error("connection reset"));
    await expectDueAfter(clock, 400, () => fake.watches.length, "retry");
  });

  it("stop() ends a live watch and cancels a pending retry, leaving no timer behind", async () => {
    const { clock, fake, informer } = setup();
    fake.lists.push({ items: [], resourceVersion: "1" });
    informer.start();
    await until(() => fake.watches.length === 1, "first watch");
    informer.stop();
    expect(fake.current().aborted).toBe(true);
    expect(clock.pending()).toBe(0);

    informer.start();
    await until(() => fake.watches.length === 2, "watch after a new start");
    fake.current().end(new Error("connection reset"));
    expect(clock.pending()).toBe(2); // the watchdog and the retry
    informer.stop();
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    await settle();
    expect(fake.watches.length).toBe(2);
  });
});
