// Tells a quiet watch stream from a stalled one: a second, one-second watch from the stream's resourceVersion.

import type { Clock, Timer } from "../runtime/clock.ts";
import { statusCodeOf } from "./api-errors.ts";

export type WatchQuery = Record<string, string | number | boolean>;

/** Starts a watch; its events and its end (an error, or undefined when the server closed it) come through the callbacks. */
export type WatchFn = (
  query: WatchQuery,
  onEvent: (type: string, raw: unknown) => void,
  onDone: (error: unknown) => void,
) => Promise<{ abort(): void }>;

/**
 * What a probe found: `missed`, events after the stream's resourceVersion that the stream has not delivered (it is
 * stalled); `quiet`, nothing to deliver (a quiet stream, or a stalled one that has lost nothing yet); `failed`, no
 * answer (a 410 Gone, an error, or no end in time).
 */
export type ProbeVerdict =
  | { kind: "quiet" }
  | { kind: "missed"; resourceVersions: string[] }
  | { kind: "failed"; detail: string };

/** The server ends a probe after this; it replays what the stream missed at once. */
export const PROBE_SERVER_TIMEOUT_SECONDS = 1;
/** The client gives up on a probe after this. */
const PROBE_TIMEOUT_MS = 4_000;
/** A probe and a live stream get each event from the server together: after the probe, the stream has this long. */
const DELIVERY_GRACE_MS = 1_000;
/** The longest a probe takes to reach its verdict. */
export const PROBE_BUDGET_MS = PROBE_TIMEOUT_MS + DELIVERY_GRACE_MS;

export interface ProbeOptions {
  watch: WatchFn;
  /** The stream's query (selectors) and the resourceVersion it has reached. */
  query: WatchQuery;
  clock: Clock;
  /** Whether the stream has delivered the event of this resourceVersion since the probe began. */
  delivered: (resourceVersion: string) => boolean;
  onVerdict: (verdict: ProbeVerdict) => void;
}

/** Starts a probe; its verdict comes once, through `onVerdict`, unless cancelled first. */
export function probeWatch(options: ProbeOptions): { cancel(): void } {
  const { clock } = options;
  const seen: string[] = [];
  let controller: { abort(): void } | undefined;
  let timer: Timer | undefined;
  let ended = false;
  let decided = false;
  let failure: string | undefined;
  const cancel = () => {
    decided = true;
    timer?.cancel();
    controller?.abort();
  };
  const judge = () => {
    if (decided) return;
    cancel();
    const missed = seen.filter((rv) => !options.delivered(rv));
    if (missed.length > 0) options.onVerdict({ kind: "missed", resourceVersions: missed });
    else if (failure !== undefined) options.onVerdict({ kind: "failed", detail: failure });
    else options.onVerdict({ kind: "quiet" });
  };
  const end = (problem: string | undefined) => {
    if (ended || decided) return;
    ended = true;
    failure ??= problem;
    timer?.cancel();
    timer = clock.setTimer(DELIVERY_GRACE_MS, judge);
    controller?.abort();
  };
  const onEvent = (type: string, raw: unknown) => {
    if (ended || decided) return;
    if (type === "ERROR") failure ??= `ERROR event, status ${statusCodeOf(raw) ?? "unknown"}`;
    else if (type !== "BOOKMARK") {
      const rv = resourceVersionOf(raw);
      if (rv) seen.push(rv);
    }
  };
  timer = clock.setTimer(PROBE_TIMEOUT_MS, () => end(`no end within ${PROBE_TIMEOUT_MS} ms`));
  const query = { ...options.query, timeoutSeconds: PROBE_SERVER_TIMEOUT_SECONDS };
  options
    .watch(query, onEvent, (error) => end(error ? `probe ended: ${messageOf(error)}` : undefined))
    .then(
      (started) => {
        if (ended || decided) started.abort();
        else controller = started;
      },
      (error: unknown) => end(`probe could not start: ${messageOf(error)}`),
    );
  return { cancel };
}

export function resourceVersionOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const metadata = (raw as { metadata?: { resourceVersion?: unknown } }).metadata;
  return typeof metadata?.resourceVersion === "string" ? metadata.resourceVersion : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
