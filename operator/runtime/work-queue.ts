// A work queue like client-go's workqueue driven like a controller-runtime controller: dedupe, one worker per key,
// delayed adds, per-key exponential retry backoff, a stop and restart (a leader stepping down), a graceful shutdown.
import { type BackoffOptions, DEFAULT_BACKOFF, ItemBackoff } from "./backoff.ts";
import { type Clock, systemClock, type Timer } from "./clock.ts";

export type ReconcileResult =
  | { kind: "done" }
  | { kind: "requeueAfter"; ms: number }
  | { kind: "error"; error: unknown };
export type Reconciler = (key: string) => Promise<ReconcileResult>;

/** Callbacks for metrics; they must not throw. */
export interface WorkQueueHooks {
  /** A key was queued (an add of a key already queued is deduplicated and not counted). */
  onAdd?(key: string): void;
  /** Number of keys waiting for a worker (not counting delayed or in-progress keys). */
  onDepth?(depth: number): void;
  /** Time a key waited in the queue before a worker took it. */
  onQueueLatency?(ms: number): void;
  /** Time one reconcile took, and how it ended (`error` also for a throw). */
  onWorkDuration?(ms: number, result: ReconcileResult["kind"]): void;
  /** A failed key is retried after `delayMs`. */
  onRetry?(key: string, delayMs: number, error: unknown): void;
}

export interface WorkQueueOptions {
  name: string;
  reconcile: Reconciler;
  /** Keys reconciled at once (never the same key twice). */
  workers?: number;
  clock?: Clock;
  /** Per-key failure backoff; defaults to client-go's 5 ms doubling up to 1000 s. */
  backoff?: BackoffOptions;
  hooks?: WorkQueueHooks;
  /**
   * A reconcile's requeueAfter is also a not-before: `add` does not run the key earlier (events, often the
   * controller's own writes, would shorten the intervals it asked for); `wake` does.
   */
  holdRequeues?: boolean;
}

export class WorkQueue {
  readonly name: string;
  private readonly reconcile: Reconciler;
  private readonly workers: number;
  private readonly clock: Clock;
  private readonly backoff: ItemBackoff<string>;
  private readonly hooks: WorkQueueHooks;
  private readonly holdRequeues: boolean;
  /** With holdRequeues: when each key's requested requeue is due. */
  private readonly notBefore = new Map<string, number>();

  /** Keys waiting for a worker, in order. */
  private readonly queue: string[] = [];
  /** Keys that need a run: queued, or re-added while processing (then queued again when the run ends). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  /** Delayed keys and when they are due. */
  private readonly waiting = new Map<string, number>();
  private waitTimer: { timer: Timer; at: number } | undefined;
  private started = false;
  /** Bumped by stop(): a run begun before it neither requeues nor counts its result. */
  private term = 0;
  /** The runs in progress (a stop waits for those of its term). */
  private readonly runs = new Set<Promise<void>>();
  private shuttingDown = false;
  private drainQueued = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.reconcile = options.reconcile;
    this.workers = Math.max(1, Math.floor(options.workers ?? 1));
    this.clock = options.clock ?? systemClock;
    this.backoff = new ItemBackoff(options.backoff ?? DEFAULT_BACKOFF);
    this.hooks = options.hooks ?? {};
    this.holdRequeues = options.holdRequeues === true;
  }

  /** Starts handing keys to workers (keys added before are kept); again after a stop(). No-op once shut down. */
  start(): void {
    if (this.shuttingDown) return;
    this.started = true;
    this.pump();
  }

  /** Whether it hands keys to workers (started, not stopped or shut down). */
  running(): boolean {
    return this.started && !this.shuttingDown;
  }

  /**
   * Stops handing keys to workers until the next start(), for a leader that steps down: queued, delayed and held
   * keys, their timer and their failure counts are dropped (the next leader looks at every key again). Runs in
   * progress go on, but their results are discarded, and a key still running after a new start() is not given to
   * a second worker. Adds while stopped are queued, as before the first start. Resolves once the runs in progress
   * at the stop have returned.
   */
  stop(): Promise<void> {
    this.started = false;
    this.term++;
    this.waitTimer?.timer.cancel();
    this.waitTimer = undefined;
    this.waiting.clear();
    this.notBefore.clear();
    this.backoff.reset();
    for (const key of [...this.queue, ...this.processing]) {
      this.dirty.delete(key);
      this.addedAt.delete(key);
    }
    this.queue.length = 0;
    this.depthChanged();
    return Promise.all([...this.runs]).then(() => undefined);
  }

  /**
   * Queues a key unless it is already queued; a key being processed runs again after its current run. With
   * holdRequeues, a key whose requeue is not due yet runs when it is due.
   */
  add(key: string): void {
    const due = this.notBefore.get(key);
    if (due !== undefined && due > this.clock.now()) {
      this.addAfter(key, due - this.clock.now());
      return;
    }
    this.enqueue(key);
  }

  /** Queues a key now, before a requeue it asked for is due. */
  wake(key: string): void {
    this.notBefore.delete(key);
    this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    this.hooks.onAdd?.(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.depthChanged();
    this.pump();
  }

  /** Queues a key after `ms`; a key already waiting keeps the earlier of the two times. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing !== undefined && existing <= at) return;
    this.waiting.set(key, at);
    this.armWaitTimer();
  }

  /** Queues a key after its backoff delay, counting one more failure. */
  addRateLimited(key: string, error?: unknown): void {
    const delay = this.backoff.when(key);
    this.hooks.onRetry?.(key, delay, error);
    this.addAfter(key, delay);
  }

  /** Resets a key's failure count (its next failure retries after the base delay). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.backoff.numRequeues(key);
  }

  /** Keys waiting for a worker. */
  len(): number {
    return this.queue.length;
  }

  /** Keys being reconciled now. */
  inProgress(): number {
    return this.processing.size;
  }

  /**
   * Stops taking new keys and drops delayed ones; resolves once every running reconcile has returned.
   * Queued keys are dropped too, unless `drainQueued`, which runs them first (their results no longer requeue).
   */
  shutdown(options: { drainQueued?: boolean } = {}): Promise<void> {
    this.shuttingDown = true;
    this.drainQueued = options.drainQueued === true;
    this.waitTimer?.timer.cancel();
    this.waitTimer = undefined;
    this.waiting.clear();
    if (!this.drainQueued) {
      for (const key of this.queue) this.dirty.delete(key);
      this.queue.length = 0;
      this.depthChanged();
    }
    // Re-runs requested during a running reconcile are dropped with the rest.
    for (const key of this.processing) this.dirty.delete(key);
    this.pump();
    return new Promise((resolve) => {
      if (this.isIdle()) resolve();
      else this.idleWaiters.push(resolve);
    });
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && (this.queue.length === 0 || !this.started);
  }

  private pump(): void {
    if (!this.started || (this.shuttingDown && !this.drainQueued)) return;
    while (this.processing.size < this.workers && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.depthChanged();
      this.processing.add(key);
      this.dirty.delete(key);
      const addedAt = this.addedAt.get(key);
      this.addedAt.delete(key);
      if (addedAt !== undefined) this.hooks.onQueueLatency?.(this.clock.now() - addedAt);
      const run = this.run(key, this.term);
      this.runs.add(run);
      void run.finally(() => this.runs.delete(run));
    }
  }

  private async run(key: string, term: number): Promise<void> {
    const startedAt = this.clock.now();
    let result: ReconcileResult;
    try {
      result = await this.reconcile(key);
      if (!isResult(result))
        result = { kind: "error", error: new Error(`reconcile of ${key} returned ${String(result)}`) };
    } catch (error) {
      result = { kind: "error", error };
    }
    this.hooks.onWorkDuration?.(this.clock.now() - startedAt, result.kind);
    if (!this.shuttingDown && term === this.term) {
      this.notBefore.delete(key);
      if (result.kind === "done") this.forget(key);
      else if (result.kind === "requeueAfter") {
        this.forget(key);
        if (this.holdRequeues && result.ms > 0) this.notBefore.set(key, this.clock.now() + result.ms);
        this.addAfter(key, result.ms);
      } else this.addRateLimited(key, result.error);
    }
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.depthChanged();
    }
    this.pump();
    if (this.shuttingDown && this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private armWaitTimer(): void {
    let next: number | undefined;
    for (const at of this.waiting.values()) if (next === undefined || at < next) next = at;
    if (next === undefined) {
      this.waitTimer?.timer.cancel();
      this.waitTimer = undefined;
      return;
    }
    if (this.waitTimer && this.waitTimer.at <= next) return;
    this.waitTimer?.timer.cancel();
    const at = next;
    this.waitTimer = { at, timer: this.clock.setTimer(at - this.clock.now(), () => this.releaseDue()) };
  }

  private releaseDue(): void {
    this.waitTimer = undefined;
    const now = this.clock.now();
    const due = [...this.waiting.entries()].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    for (const [key] of due) {
      this.waiting.delete(key);
      this.add(key);
    }
    this.armWaitTimer();
  }

  private depthChanged(): void {
    this.hooks.onDepth?.(this.queue.length);
  }
}

function isResult(r: unknown): r is ReconcileResult {
  if (typeof r !== "object" || r === null) return false;
  const kind = (r as { kind?: unknown }).kind;
  if (kind === "requeueAfter") return typeof (r as { ms?: unknown }).ms === "number";
  return kind === "done" || kind === "error";
}
