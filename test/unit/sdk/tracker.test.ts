// The quiescer's state machine and work tracking, without HTTP.
import { describe, expect, it } from "vitest";
import { createQuiescer, type StateChange } from "../../../operator/sdk/index.ts";

describe("Quiescer state and tracking", () => {
  it("starts serving with nothing in flight", () => {
    const q = createQuiescer();
    expect(q.status()).toEqual({ state: "serving", inFlight: 0, accepted: 0, refused: 0, classes: {} });
    expect(q.accepting).toBe(true);
  });

  it("tracks work per class, with idempotent release, and counts only accepted work in `accepted`", () => {
    const q = createQuiescer();
    const a = q.accept();
    const b = q.begin("queued");
    const c = q.begin();
    expect(q.status()).toEqual({
      state: "serving",
      inFlight: 3,
      accepted: 1,
      refused: 0,
      classes: { sync: 1, queued: 1, async: 1 },
    });
    a();
    a();
    expect(q.status()).toMatchObject({ inFlight: 2, classes: { sync: 0, queued: 1, async: 1 } });
    b();
    c();
    expect(q.status()).toMatchObject({ inFlight: 0, accepted: 1 });
  });

  it("tracks a promise as queued work until it settles, whether it resolves or rejects", async () => {
    const q = createQuiescer();
    let resolveJob = (_: number) => {};
    const job = q.track(
      new Promise<number>((r) => {
        resolveJob = r;
      }),
      "queued",
    );
    const failing = q.track(Promise.reject(new Error("boom")), "queued");
    expect(q.status().classes).toEqual({ queued: 2 });
    await expect(failing).rejects.toThrow("boom");
    expect(q.inFlight).toBe(1);
    resolveJob(7);
    await expect(job).resolves.toBe(7);
    expect(q.inFlight).toBe(0);
  });

  it("goes serving -> quiescing -> drained, back to quiescing on new work, and to serving on resume", () => {
    const q = createQuiescer();
    const changes: string[] = [];
    q.onStateChange((c: StateChange) =>
      changes.push(`${c.from}->${c.to}:${c.status.inFlight}:${c.reason ?? ""}`),
    );
    const work = q.accept();
    q.quiesce("rollout");
    q.quiesce("again");
    expect(q.accepting).toBe(false);
    work();
    const allowed = q.accept();
    allowed();
    q.resume("undo");
    q.resume();
    expect(changes).toEqual([
      "serving->quiescing:1:rollout",
      "quiescing->drained:0:",
      "drained->quiescing:1:",
      "quiescing->drained:0:",
      "drained->serving:0:undo",
    ]);
  });

  it("goes straight from serving to drained when nothing is in flight", () => {
    const q = createQuiescer();
    const seen: string[] = [];
    q.onStateChange((c) => seen.push(c.to));
    expect(q.quiesce().state).toBe("drained");
    expect(seen).toEqual(["drained"]);
  });

  it("isolates a throwing listener, reports it, and keeps notifying the others", () => {
    const errors: unknown[] = [];
    const q = createQuiescer({ onListenerError: (err) => errors.push(err) });
    const seen: string[] = [];
    q.onStateChange(() => {
      throw new Error("listener bug");
    });
    const off = q.onStateChange((c) => seen.push(c.to));
    q.quiesce();
    off();
    q.resume();
    expect(seen).toEqual(["drained"]);
    expect(errors).toHaveLength(2);
  });

  it("waitFor resolves when the state is reached", async () => {
    const q = createQuiescer();
    const release = q.begin();
    q.quiesce();
    let drained = false;
    const waiting = q.waitFor("drained").then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    release();
    await waiting;
    expect(drained).toBe(true);
    await q.waitFor("drained");
  });

  it("counts work refused while quiescing, for sources that are not HTTP too; it only ever rises", () => {
    const q = createQuiescer();
    q.quiesce();
    q.refuse();
    q.refuse();
    expect(q.status()).toMatchObject({ state: "drained", refused: 2, accepted: 0 });
    q.resume();
    expect(q.status().refused).toBe(2);
  });
});
