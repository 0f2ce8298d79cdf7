// Notices a watch stream that stalls (open, sending nothing): probes it after silence, restarts it on evidence.

import type { Clock, Timer } from "../runtime/clock.ts";
import {
  PROBE_BUDGET_MS,
  type ProbeVerdict,
  probeWatch,
  type WatchFn,
  type WatchQuery,
} from "./watch-probe.ts";

/** A watch still open this long after its server-side timeout was never ended by the server: restart it. */
const PAST_TIMEOUT_MS = 30_000;

export interface StallDetectorOptions {
  clock: Clock;
  /** A stalled stream is restarted within this of its first missed event. */
  stallTimeoutMs: number;
  watch: WatchFn;
  /** The stream's selectors and the resourceVersion it has reached: where a probe starts. */
  probeQuery: () => WatchQuery;
  /** Ends the stream and starts a new one from its resourceVersion; `reason` is the metric's label. */
  restart: (reason: string, detail: string) => void;
}

/** The stream being watched over. */
interface Stream {
  startedAt: number;
  timeoutMs: number;
  probe?: { cancel(): void };
  /** resourceVersions the stream delivered while the probe ran. */
  delivered: Set<string>;
}

/**
 * The API server sends a BOOKMARK on a watch about once a minute and 2 s before its timeout (the watch cache's
 * defaultBookmarkFrequency), so a healthy watch of a quiet resource can hear nothing for a minute, and silence alone
 * cannot tell a stall within 30 s. After `idleMs` of silence (the stall timeout less a probe's budget) a probe
 * (watch-probe.ts) asks the server, on a second one-second watch from the stream's resourceVersion, what happened
 * since: events the stream has not delivered restart it (`stalled`) from its resourceVersion, so the new watch
 * replays them and nothing is relisted; a probe without an answer restarts it too (`probe failed`); nothing to
 * deliver keeps it, and the next probe comes `idleMs` after that one began. So a stalled stream is replaced within
 * the stall timeout of its first missed event, and a healthy quiet one costs a one-second watch about twice a
 * minute. A request not answered yet is silent too, and probed alike (a proxy may hold the headers until the first
 * event). Restarted too: a watch still open 30 s past its server-side timeout (`past timeout`).
 */
export class StallDetector {
  private readonly options: StallDetectorOptions;
  private readonly idleMs: number;
  private stream: Stream | undefined;
  /** The stream's last event or bookmark, or its start. */
  private lastActivity = 0;
  /** When the last probe that found nothing to deliver began. */
  private lastProbe = 0;
  private timer: Timer | undefined;
  private running = false;

  constructor(options: StallDetectorOptions) {
    this.options = options;
    this.idleMs = Math.max(1_000, options.stallTimeoutMs - PROBE_BUDGET_MS);
  }

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.closed();
    this.timer?.cancel();
  }

  /** A watch request went out; the server is to end it after `timeoutSeconds`. */
  opened(timeoutSeconds: number): void {
    this.closed();
    this.lastActivity = this.options.clock.now();
    this.stream = {
      startedAt: this.lastActivity,
      timeoutMs: timeoutSeconds * 1000,
      delivered: new Set(),
    };
    this.arm();
  }

  /** The stream delivered an event (with its resourceVersion) or a bookmark (without). */
  heard(eventVersion?: string): void {
    this.lastActivity = this.options.clock.now();
    if (eventVersion && this.stream?.probe) this.stream.delivered.add(eventVersion);
  }

  /** The stream ended or was abandoned. */
  closed(): void {
    this.stream?.probe?.cancel();
    this.stream = undefined;
  }

  private check(): void {
    const stream = this.stream;
    const now = this.options.clock.now();
    if (this.running && stream !== undefined && stream.probe === undefined) {
      if (now - stream.startedAt >= stream.timeoutMs + PAST_TIMEOUT_MS) {
        this.options.restart(
          "past timeout",
          `open ${now - stream.startedAt} ms, server timeout ${stream.timeoutMs} ms`,
        );
      } else if (now - Math.max(this.lastActivity, this.lastProbe) >= this.idleMs) {
        this.probe(stream);
      }
    }
    this.arm();
  }

  /** One timer, set for when `check` may next act; events only move `lastActivity`, and it looks again then. */
  private arm(): void {
    this.timer?.cancel();
    if (!this.running) return;
    const now = this.options.clock.now();
    const stream = this.stream;
    let due = now + this.idleMs;
    if (stream !== undefined && stream.probe === undefined) {
      const pastTimeout = stream.startedAt + stream.timeoutMs + PAST_TIMEOUT_MS;
      due = Math.min(Math.max(this.lastActivity, this.lastProbe) + this.idleMs, pastTimeout);
    }
    this.timer = this.options.clock.setTimer(Math.max(0, due - now), () => this.check());
  }

  private probe(stream: Stream): void {
    const startedAt = this.options.clock.now();
    stream.delivered.clear();
    const verdict = (result: ProbeVerdict) => {
      if (stream !== this.stream) return;
      stream.probe = undefined;
      if (result.kind === "missed") {
        const rvs = result.resourceVersions;
        this.options.restart(
          "stalled",
          `missed ${rvs.length} event(s) a probe saw, from resourceVersion ${rvs[0]}`,
        );
      } else if (result.kind === "failed") {
        this.options.restart("probe failed", result.detail);
      } else {
        this.lastProbe = startedAt;
      }
      this.arm();
    };
    stream.probe = probeWatch({
      watch: this.options.watch,
      query: this.options.probeQuery(),
      clock: this.options.clock,
      delivered: (rv) => stream.delivered.has(rv),
      onVerdict: verdict,
    });
  }
}
