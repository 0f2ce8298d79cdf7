// Exponential backoff: a delay per attempt, jitter, and per-key failure counting like client-go's ItemExponentialFailureRateLimiter.

export interface BackoffOptions {
  /** Delay after the first failure (client-go: 5 ms). */
  baseMs: number;
  /** Upper bound of the delay (client-go: 1000 s). */
  maxMs: number;
  /** Growth per failure (client-go: 2). */
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1_000_000, factor: 2 };

/** Delay before retry number `failures` (0-based): base * factor^failures, capped at max. */
export function backoffDelay(failures: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const factor = options.factor ?? 2;
  const n = Math.max(0, Math.floor(failures));
  const delay = options.baseMs * factor ** n;
  return Number.isFinite(delay) ? Math.min(options.maxMs, delay) : options.maxMs;
}

/** `ms` plus up to `maxFactor` times `ms` more, at random, like client-go's wait.Jitter. */
export function jitter(ms: number, maxFactor: number, random: () => number = Math.random): number {
  return ms + ms * maxFactor * random();
}

/** Counts failures per key; `when` returns the next delay and counts one more failure. */
export class ItemBackoff<K> {
  private readonly failures = new Map<K, number>();
  private readonly options: BackoffOptions;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.options = options;
  }

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return backoffDelay(n, this.options);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  /** Forgets every key's failures. */
  reset(): void {
    this.failures.clear();
  }
}
