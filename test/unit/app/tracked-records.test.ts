// A stopping replica waits for the removal records its denials started, and no longer than it is told.
import { describe, expect, it } from "vitest";
import { trackedRecords } from "../../../operator/app/webhook-serving.ts";

function deferred() {
  let settle: (ok: boolean) => void = () => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    settle = (ok) => (ok ? resolve() : reject(new Error("record failed")));
  });
  return { promise, settle };
}

describe("trackedRecords", () => {
  it("waits until the records being written are done, failed ones included", async () => {
    const jobs = [deferred(), deferred()];
    let i = 0;
    const records = trackedRecords(() => jobs[i++]?.promise ?? Promise.resolve());
    const first = records.record("a");
    const second = records.record("b").catch(() => undefined);
    setTimeout(() => jobs[0]?.settle(true), 20);
    setTimeout(() => jobs[1]?.settle(false), 40);
    const started = Date.now();
    expect(await records.written(5_000)).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    await first;
    await second;
  });

  it("gives up at the timeout and says how many were left", async () => {
    const job = deferred();
    const records = trackedRecords(() => job.promise);
    void records.record("a");
    const started = Date.now();
    expect(await records.written(50)).toBe(1);
    expect(Date.now() - started).toBeLessThan(1_000);
    job.settle(true);
    expect(await records.written(1_000)).toBe(0);
  });

  it("returns at once when nothing is being written", async () => {
    const records = trackedRecords(() => Promise.resolve());
    expect(await records.written(0)).toBe(0);
  });
});
