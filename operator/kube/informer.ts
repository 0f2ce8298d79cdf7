// A supervised list+watch cache: restarts failed watches with backoff, relists on 410 Gone, and restarts stalled watches.

import { type KubeConfig, type KubernetesObject, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { keyOf, type ObjectKey, objectKey } from "../api/object-key.ts";
import { backoffDelay, jitter } from "../runtime/backoff.ts";
import { type Clock, systemClock, type Timer } from "../runtime/clock.ts";
import { statusCodeOf } from "./api-errors.ts";

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type WatchQuery = Record<string, string | number | boolean>;

/** Starts a watch; its events and its end (an error, or undefined when the server closed it) come through the callbacks. */
export type WatchFn = (
  query: WatchQuery,
  onEvent: (type: string, raw: unknown) => void,
  onDone: (error: unknown) => void,
) => Promise<{ abort(): void }>;

/** Watches a collection path, e.g. `/api/v1/pods` or `/apis/quiesce.dev/v1alpha1/quiescepolicies`. */
export function watchPath(kubeConfig: KubeConfig, path: string): WatchFn {
  return (query, onEvent, onDone) => new Watch(kubeConfig).watch(path, query, onEvent, onDone);
}

export interface InformerOptions<T extends KubernetesObject> {
  name: string;
  list: () => Promise<ListResult<T>>;
  watch: WatchFn;
  /** Parses and trims a raw watch object; returns undefined to ignore garbage. */
  decode: (raw: unknown) => T | undefined;
  logger: Logger;
  labelSelector?: string;
  /** Server-side watch timeout; the server then ends the watch and we resume from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  /** No bytes (events or bookmarks) for this long means the watch is stuck: restart it. */
  stallMs?: number;
  /** Cap of the restart backoff (default 2 s). */
  maxBackoffMs?: number;
  onRestart?: (reason: string) => void;
  clock?: Clock;
}

export type Handler<T> = (object: T, old?: T) => void;

/**
 * Restart delay after `failures` failures in a row: 200 ms doubled per failure (12 times at most), capped at
 * `maxMs`, then between half and all of that at random. Short on purpose: a drain has a deadline, and the API
 * server coming back should be noticed within seconds.
 */
function restartDelay(failures: number, maxMs = 2_000): number {
  return jitter(backoffDelay(Math.min(failures, 12), { baseMs: 200, maxMs }) / 2, 1);
}

export class Informer<T extends KubernetesObject> {
  readonly name: string;
  private readonly options: InformerOptions<T>;
  private readonly clock: Clock;
  private readonly store = new Map<ObjectKey, T>();
  private readonly handlers = {
    add: new Set<Handler<T>>(),
    update: new Set<Handler<T>>(),
    delete: new Set<Handler<T>>(),
  };
  private resourceVersion = "";
  private synced = false;
  private stopped = true;
  private abort: { abort(): void } | undefined;
  private lastActivity: number;
  private failures = 0;
  /** Bumped for every watch started or abandoned, so callbacks of a superseded watch are ignored. */
  private generation = 0;
  private watchdog: Timer | undefined;
  private retryTimer: Timer | undefined;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.lastActivity = this.clock.now();
  }

  on(event: "add" | "update" | "delete", handler: Handler<T>): void {
    this.handlers[event].add(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.store.get(objectKey(namespace, name));
  }

  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const stallMs = this.options.stallMs ?? ((this.options.watchTimeoutSeconds ?? 300) + 60) * 1000;
    const period = Math.min(stallMs, 10_000);
    const tick = (): void => {
      this.watchdog = this.clock.setTimer(period, tick);
      if (this.abort !== undefined && this.clock.now() - this.lastActivity > stallMs) {
        this.restart(`no watch activity for ${stallMs} ms`);
      }
    };
    this.watchdog = this.clock.setTimer(period, tick);
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.watchdog?.cancel();
    this.retryTimer?.cancel();
    this.abort?.abort();
    this.abort = undefined;
  }

  /** Ends the current watch and starts a new one; used by the watchdog and by tests that cut connections. */
  restart(reason: string): void {
    if (this.stopped) return;
    this.options.logger.warn({ informer: this.name, reason }, "restarting watch");
    this.options.onRestart?.(reason);
    this.generation++;
    this.abort?.abort();
    this.abort = undefined;
    this.scheduleRun(0);
  }

  private scheduleRun(delayMs: number): void {
    this.retryTimer?.cancel();
    this.retryTimer = this.clock.setTimer(delayMs, () => void this.run());
  }

  private fail(reason: string, error: unknown): void {
    this.failures++;
    const delay = restartDelay(this.failures, this.options.maxBackoffMs);
    this.options.logger.warn(
      { informer: this.name, reason, err: describe(error), retryMs: Math.round(delay) },
      "informer error",
    );
    this.options.onRestart?.(reason);
    this.scheduleRun(delay);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    if (this.resourceVersion === "") {
      try {
        const result = await this.options.list();
        if (this.stopped) return;
        this.replace(result.items);
        this.resourceVersion = result.resourceVersion;
      } catch (error) {
        this.fail("list failed", error);
        return;
      }
    }
    await this.watch();
  }

  private replace(items: T[]): void {
    const fresh = new Map<ObjectKey, T>();
    for (const item of items) fresh.set(keyOf(item), item);
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        this.emit("delete", old);
      }
    }
    for (const [key, item] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, item);
      if (old === undefined) this.emit("add", item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        this.emit("update", item, old);
    }
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private emit(event: "add" | "update" | "delete", object: T, old?: T): void {
    for (const handler of this.handlers[event]) {
      try {
        handler(object, old);
      } catch (error) {
        this.options.logger.error(
          { informer: this.name, event, err: describe(error) },
          "informer handler threw",
        );
      }
    }
  }

  private async watch(): Promise<void> {
    const query: Record<string, string | number | boolean> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
    };
    if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
    this.lastActivity = this.clock.now();
    let gone = false;
    const generation = ++this.generation;
    const onEvent = (type: string, raw: unknown) => {
      if (generation !== this.generation) return;
      this.lastActivity = this.clock.now();
      if (type === "ERROR") {
        if (statusCodeOf(raw) === 410) gone = true;
        return;
      }
      const rv = resourceVersionOf(raw);
      if (type === "BOOKMARK") {
        if (rv) this.resourceVersion = rv;
        return;
      }
      const object = this.options.decode(raw);
      if (object === undefined) return;
      const key = keyOf(object);
      const old = this.store.get(key);
      if (type === "DELETED") {
        this.store.delete(key);
        this.emit("delete", object);
      } else if (type === "ADDED" || type === "MODIFIED") {
        this.store.set(key, object);
        this.emit(old === undefined ? "add" : "update", object, old);
      }
      if (rv) this.resourceVersion = rv;
      this.failures = 0;
    };
    const onDone = (error: unknown) => {
      if (this.stopped || generation !== this.generation) return;
      this.generation++;
      this.abort = undefined;
      if (gone || statusCodeOf(error) === 410) {
        this.resourceVersion = "";
        this.scheduleRun(0);
      } else if (error) {
        this.fail("watch failed", error);
      } else {
        this.scheduleRun(0);
      }
    };
    try {
      const controller = await this.options.watch(query, onEvent, onDone);
      if (this.stopped || generation !== this.generation) controller.abort();
      else this.abort = controller;
    } catch (error) {
      this.fail("watch could not start", error);
    }
  }
}

function resourceVersionOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const metadata = (raw as { metadata?: { resourceVersion?: unknown } }).metadata;
  return typeof metadata?.resourceVersion === "string" ? metadata.resourceVersion : undefined;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
