// A supervised list+watch cache: restarts failed watches with backoff, relists on 410 Gone, and restarts stalled watches.

import { type KubeConfig, type KubernetesObject, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { keyOf, type ObjectKey, objectKey } from "../api/object-key.ts";
import { backoffDelay, jitter } from "../runtime/backoff.ts";
import { type Clock, systemClock, type Timer } from "../runtime/clock.ts";
import { statusCodeOf } from "./api-errors.ts";
import { NamespacedStore } from "./namespaced-store.ts";
import { StallDetector } from "./stall-detector.ts";
import { resourceVersionOf, type WatchFn, type WatchQuery } from "./watch-probe.ts";

export type { WatchFn, WatchQuery } from "./watch-probe.ts";

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

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
  /**
   * Server-side watch timeout, at random between this and twice this per watch (client-go's reflector: 5 min); the
   * server then ends the watch and we resume from the last resourceVersion.
   */
  minWatchTimeoutSeconds?: number;
  /** A watch stream that stops delivering is restarted within this (default 30 s): see stall-detector.ts. */
  stallTimeoutMs?: number;
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
  private readonly stalls: StallDetector;
  private readonly store = new NamespacedStore<T>();
  private readonly handlers = {
    add: new Set<Handler<T>>(),
    update: new Set<Handler<T>>(),
    delete: new Set<Handler<T>>(),
  };
  private resourceVersion = "";
  private synced = false;
  private stopped = true;
  private controller: { abort(): void } | undefined;
  private failures = 0;
  /** Bumped for every watch started or abandoned, so callbacks of a superseded watch are ignored. */
  private generation = 0;
  private retryTimer: Timer | undefined;
  private readonly syncWaiters: Array<() => void> = [];

  constructor(options: InformerOptions<T>) {
    this.options = options;
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.stalls = new StallDetector({
      clock: this.clock,
      stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
      watch: options.watch,
      probeQuery: () => ({ ...this.selectors(), resourceVersion: this.resourceVersion }),
      restart: (reason, detail) => this.restart(reason, detail),
    });
  }

  on(event: "add" | "update" | "delete", handler: Handler<T>): void {
    this.handlers[event].add(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.store.get(objectKey(namespace, name));
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
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
    this.stalls.start();
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.closeWatch();
    this.stalls.stop();
    this.retryTimer?.cancel();
  }

  /**
   * Ends the current watch and starts a new one from the last resourceVersion (a relist only if that is Gone); used
   * by the stall detector and by tests that cut connections. `reason` is the metric's label, `detail` goes to the log.
   */
  restart(reason: string, detail?: string): void {
    if (this.stopped) return;
    this.options.logger.warn({ informer: this.name, reason, detail }, "restarting watch");
    this.options.onRestart?.(reason);
    this.closeWatch();
    this.scheduleRun(0);
  }

  private closeWatch(): void {
    this.generation++;
    this.stalls.closed();
    this.controller?.abort();
    this.controller = undefined;
  }

  private selectors(): WatchQuery {
    return this.options.labelSelector ? { labelSelector: this.options.labelSelector } : {};
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
    for (const [key, old] of [...this.store.entries()]) {
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
    // Like client-go's reflector: between the minimum and twice it, so a fleet's watches do not all end at once.
    const timeoutSeconds = Math.floor((this.options.minWatchTimeoutSeconds ?? 300) * (1 + Math.random()));
    const query: WatchQuery = {
      ...this.selectors(),
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
    };
    this.closeWatch();
    const generation = this.generation;
    this.stalls.opened(timeoutSeconds);
    let gone = false;
    const onEvent = (type: string, raw: unknown) => {
      if (generation !== this.generation) return;
      const rv = resourceVersionOf(raw);
      this.stalls.heard(type === "BOOKMARK" ? undefined : rv);
      if (type === "ERROR") {
        if (statusCodeOf(raw) === 410) gone = true;
        return;
      }
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
      this.controller = undefined; // it ended: nothing to abort
      this.closeWatch();
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
      else this.controller = controller;
    } catch (error) {
      if (generation !== this.generation) return;
      this.closeWatch();
      this.fail("watch could not start", error);
    }
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
