// Stalled watches on a fake clock: a silent stream is probed; one that missed events is resumed, a quiet one kept.
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { expectDueAfter, settle, until } from "../runtime/settle.ts";
import { type FakeWatch, obj, setup } from "./fake-list-watch.ts";

/** What the API server holds: every change in order; a watch from resourceVersion r replays those after r. */
class FakeServer {
  readonly log: Array<{ type: string; object: KubernetesObject }> = [];
  private rv = 10;

  change(type: "ADDED" | "MODIFIED" | "DELETED", name: string): void {
    this.log.push({ type, object: obj(name, String(++this.rv)) });
  }

  replay(w: FakeWatch): void {
    const from = Number(w.query.resourceVersion);
    for (const e of this.log)
      if (Number(e.object.metadata?.resourceVersion) > from) w.event(e.type, e.object);
  }

  /** name@rv of every object that exists now. */
  state(initial: string[]): string[] {
    const objects = new Map(initial.map((name) => [name, `${name}@1`]));
    for (const e of this.log) {
      const name = e.object.metadata?.name ?? "";
      if (e.type === "DELETED") objects.delete(name);
      else objects.set(name, `${name}@${e.object.metadata?.resourceVersion}`);
    }
    return [...objects.values()].sort();
  }
}

describe("Informer stall detection", () => {
  let stop: (() => void) | undefined;
  beforeEach(() => {
    vi.spyOn(Math, "random").mockReturnValue(0);
  });
  afterEach(() => {
    stop?.();
    stop = undefined;
    vi.restoreAllMocks();
  });

  async function started(options: Parameters<typeof setup>[0] = {}) {
    const t = setup(options);
    stop = () => t.informer.stop();
    t.fake.lists.push({ items: [obj("a", "1"), obj("b", "1"), obj("c", "1")], resourceVersion: "10" });
    t.informer.start();
    await until(() => t.fake.watches.length === 1, "first watch");
    return t;
  }

  it("probes a stream silent for 25 s, restarts it when the probe saw events it missed, and loses or repeats none", async () => {
    const { clock, fake, events, restarts, informer, label } = await started();
    const server = new FakeServer();
    server.change("MODIFIED", "a");
    server.replay(fake.stream()); // delivered: the stream is healthy so far
    const silentFrom = clock.now();
    server.change("ADDED", "d"); // from here the stream delivers nothing
    server.change("MODIFIED", "b");
    server.change("DELETED", "c");

    await expectDueAfter(clock, 25_000, () => fake.probes().length, "probe");
    expect(fake.probe().query).toEqual({ resourceVersion: "11", timeoutSeconds: 1 });
    server.replay(fake.probe());
    fake.probe().end(); // the server's one-second timeout
    expect(fake.streams()).toHaveLength(1);
    await expectDueAfter(clock, 1_000, () => fake.streams().length, "restarted stream");
    expect(clock.now() - silentFrom).toBe(26_000); // within the 30 s stall timeout
    expect(restarts).toEqual(["stalled"]);
    expect(fake.streams()[0]?.aborted).toBe(true);

    expect(fake.stream().query.resourceVersion).toBe("11"); // resumed, not relisted
    server.replay(fake.stream());
    expect(fake.listCalls).toBe(1);
    expect(informer.list().map(label).sort()).toEqual(server.state(["a", "b", "c"]));
    expect(events.slice(3)).toEqual(["update a@1 -> a@11", "add d@12", "update b@1 -> b@13", "delete c@14"]);
  });

  it("never probes a stream that hears a bookmark every 20 s", async () => {
    const { clock, fake, restarts } = await started();
    for (let i = 1; i <= 15; i++) {
      clock.advance(20_000);
      fake.stream().event("BOOKMARK", { metadata: { resourceVersion: `${10 + i}` } });
    }
    await settle();
    expect(fake.watches).toHaveLength(1);
    expect(restarts).toEqual([]);
  });

  it("keeps a quiet stream: a probe that finds nothing, or only what the stream also delivered, restarts nothing", async () => {
    const { clock, fake, restarts, informer } = await started();
    await expectDueAfter(clock, 25_000, () => fake.probes().length, "first probe");
    fake.probe().end();
    clock.advance(1_000);
    await settle();
    // The next probe comes 25 s after the last one began, then another, each finding the stream had lost nothing.
    await expectDueAfter(clock, 24_000, () => fake.probes().length, "second probe");
    const change = obj("a", "11");
    fake.probe().event("MODIFIED", change);
    fake.probe().end();
    clock.advance(500);
    fake.stream().event("MODIFIED", change); // the live stream, a moment behind the probe
    clock.advance(500);
    await settle();
    expect(restarts).toEqual([]);
    expect(fake.streams()).toHaveLength(1);
    expect(fake.stream().aborted).toBe(false);
    expect(informer.get("ns", "a")?.metadata?.resourceVersion).toBe("11");
    // Silent again from the event, 500 ms ago: the third probe comes 25 s after it, from its resourceVersion.
    await expectDueAfter(clock, 24_500, () => fake.probes().length, "third probe");
    expect(fake.probe().query.resourceVersion).toBe("11");
  });

  it("restarts the stream when a probe gets no answer, or a 410, and relists only if the resumed watch is Gone", async () => {
    const { clock, fake, restarts } = await started();
    fake.holdNextWatch = true; // the probe's request is never answered
    await expectDueAfter(clock, 25_000, () => fake.probes().length, "probe");
    await expectDueAfter(clock, 5_000, () => fake.streams().length, "restarted stream");
    expect(restarts).toEqual(["probe failed"]);
    fake.releaseHeldWatch();
    await until(() => fake.probes()[0]?.aborted === true, "abandoned probe aborted");

    await expectDueAfter(clock, 25_000, () => fake.probes().length, "second probe");
    fake.probe().event("ERROR", { code: 410 });
    fake.probe().end();
    await expectDueAfter(clock, 1_000, () => fake.streams().length, "stream restarted again");
    expect(restarts).toEqual(["probe failed", "probe failed"]);
    expect(fake.stream().query.resourceVersion).toBe("10");
    fake.lists.push({ items: [], resourceVersion: "50" });
    fake.stream().event("ERROR", { code: 410 });
    fake.stream().end();
    clock.advance(0);
    await until(() => fake.listCalls === 2, "relist");
  });

  it("probes a watch request left unanswered like a silent stream, and restarts one still open past its timeout", async () => {
    const t = setup();
    stop = () => t.informer.stop();
    t.fake.lists.push({ items: [], resourceVersion: "10" });
    t.fake.holdNextWatch = true; // no headers yet: kept while a probe finds nothing missed
    t.informer.start();
    await until(() => t.fake.watches.length === 1, "first watch request");
    await expectDueAfter(t.clock, 25_000, () => t.fake.probes().length, "first probe");
    t.fake.probe().end();
    await expectDueAfter(t.clock, 25_000, () => t.fake.probes().length, "second probe");
    expect(t.restarts).toEqual([]);
    t.fake.probe().event("ADDED", obj("a", "11"));
    t.fake.probe().end();
    await expectDueAfter(t.clock, 1_000, () => t.fake.streams().length, "second watch request");
    expect(t.restarts).toEqual(["stalled"]);
    t.fake.releaseHeldWatch();
    await until(() => t.fake.streams()[0]?.aborted === true, "abandoned request aborted");

    // Bookmarks every 20 s keep probes away; the server should have ended the watch after 300 s: replaced at 330 s.
    for (let i = 1; i <= 16; i++) {
      t.clock.advance(20_000);
      t.fake.stream().event("BOOKMARK", { metadata: { resourceVersion: `${10 + i}` } });
    }
    await expectDueAfter(t.clock, 10_000, () => t.fake.streams().length, "watch past its timeout replaced");
    expect(t.restarts).toEqual(["stalled", "past timeout"]);
    expect(t.fake.stream().query.resourceVersion).toBe("26");
  });

  it("asks the server for bookmarks and a timeout between 5 and 10 minutes, like client-go's reflector", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { fake } = await started();
    expect(fake.stream().query).toEqual({
      resourceVersion: "10",
      allowWatchBookmarks: true,
      timeoutSeconds: 450,
    });
  });
});
