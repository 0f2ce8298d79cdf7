// Waiting on promise callbacks in tests driven by a FakeClock: until a condition holds, for a while, or a due time.
import type { FakeClock } from "../../../operator/runtime/clock.ts";

/** Lets pending promise callbacks run until `cond` holds (fails after a real-time deadline). */
export async function until(cond: () => boolean, what: string, deadlineMs = 2000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Lets pending promise callbacks run, to check that nothing more happens. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

/**
 * Advances `clock` by `ms` - 1 and checks that `count()` stayed, then by 1 more and waits until it grows: whatever
 * `count` counts is due after exactly `ms` on the fake clock.
 */
export async function expectDueAfter(
  clock: FakeClock,
  ms: number,
  count: () => number,
  what: string,
): Promise<void> {
  const before = count();
  clock.advance(ms - 1);
  await settle();
  if (count() !== before) throw new Error(`${what} came before ${ms} ms`);
  clock.advance(1);
  await until(() => count() > before, `${what} after ${ms} ms`);
}
