import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withHostLock } from "../../harness/node-agent/host-lock.ts";
import { waitFor } from "../../harness/wait-for.ts";

const lockFile = join(mkdtempSync(join(tmpdir(), "host-lock-")), "test.lock");

describe("withHostLock", () => {
  it("runs concurrent holders one at a time and returns their results", async () => {
    const events: string[] = [];
    let release: () => void = () => {};
    const first = withHostLock(lockFile, async () => {
      events.push("first in");
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      events.push("first out");
      return 1;
    });
    // Only let the second one try once the first holds the lock.
    await waitFor(() => events.length > 0, { timeoutMs: 5000, what: "first holder inside" });
    const second = withHostLock(lockFile, async () => {
      events.push("second in");
      return 2;
    });
    await new Promise((r) => setTimeout(r, 300)); // the second must still be waiting on the flock
    expect(events).toEqual(["first in"]);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(events).toEqual(["first in", "first out", "second in"]);
  });

  it("releases the lock when the holder throws", async () => {
    await expect(
      withHostLock(lockFile, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await withHostLock(lockFile, async () => "again", 2)).toBe("again");
  });

  it("gives up with one clear line when the lock stays taken", async () => {
    let release: (() => void) | undefined;
    const held = withHostLock(
      lockFile,
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await waitFor(() => release !== undefined, { timeoutMs: 5000, what: "holder inside" });
    await expect(withHostLock(lockFile, async () => "never", 1)).rejects.toThrow(
      /could not lock .*within 1s/,
    );
    release?.();
    await held;
  });
});
