// Pure restart decisions: whether an exited container restarts under its pod's restartPolicy, and the backoff.
import type { RestartPolicy } from "./pod-model.ts";

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === "Always") return true;
  if (policy === "OnFailure") return exitCode !== 0;
  return false;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A container that ran this long before exiting starts again from `initialMs` (kubelet: 10 min). */
  resetAfterMs: number;
}

/** Kubelet's crash-loop backoff shape (10 s doubling to 5 min) scaled down for local tests. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 20_000, resetAfterMs: 60_000 };

/** Delay before restart number `consecutiveCrashes` (1-based) of a container that ran for `ranMs`. */
export function restartDelayMs(consecutiveCrashes: number, ranMs: number, options: BackoffOptions): number {
  if (ranMs >= options.resetAfterMs || consecutiveCrashes <= 1) return options.initialMs;
  return Math.min(options.maxMs, options.initialMs * 2 ** (consecutiveCrashes - 1));
}
