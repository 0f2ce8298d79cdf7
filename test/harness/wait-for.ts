// Polls a condition until it holds or a deadline passes; the error says what was awaited and the last observation.
export interface WaitForOptions {
  timeoutMs: number;
  /** Names the condition in the timeout error, e.g. "3 ready endpoints for web". */
  what: string;
  intervalMs?: number;
}

/**
 * Resolves with the first truthy value `fn` returns. `fn` may throw or return a falsy value while not ready; the
 * last error is reported on timeout.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, options: WaitForOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what} (last: ${detail})`,
      );
    }
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now()))),
    );
  }
}
