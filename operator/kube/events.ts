// Records Kubernetes Events (core/v1) on pods and policies, the way kubectl describe shows them.
import type { CoreV1Api } from "@kubernetes/client-node";
import { type Clock, systemClock } from "../runtime/clock.ts";
import { isConflict, isTransient } from "./api-errors.ts";

export interface EventTarget {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /**
   * `once`: the Event's name is derived from the target and this key, so recording it again (a new leader
   * resuming a drain whose Event the old one may have written) finds it already there and adds nothing.
   */
  record(target: EventTarget, type: EventType, reason: string, message: string, once?: string): Promise<void>;
}

/** A DNS-subdomain Event name of at most 253 characters, unique per target object (UID) and key. */
export function onceEventName(target: EventTarget, key: string): string {
  const uid = (target.uid ?? "").replace(/[^a-z0-9]/g, "").slice(0, 12);
  return `${target.name.slice(0, 200)}.${uid || "x"}.${key
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .slice(0, 32)}`;
}

export interface EventRetry {
  /** Pauses before the second, third... attempt of a once-keyed Event (default 250 ms, 1 s, 3 s). */
  delaysMs: readonly number[];
  clock: Pick<Clock, "sleep">;
}

const DEFAULT_RETRY: EventRetry = {
  delaysMs: [250, 1000, 3000],
  clock: systemClock,
};

/**
 * A once-keyed Event (a drain's ending: Drained, DrainTimedOut...) is retried on transient failures: its fixed
 * name makes a retry after a lost answer find the first write (409) rather than add a second Event. Plain Events
 * are tried once, since their generated names would duplicate them.
 */
export function eventRecorder(
  core: CoreV1Api,
  component: string,
  onError: (error: unknown) => void,
  retry: EventRetry = DEFAULT_RETRY,
): EventRecorder {
  return {
    async record(target, type, reason, message, once) {
      const now = new Date();
      const name =
        once === undefined ? { generateName: `${target.name}.` } : { name: onceEventName(target, once) };
      const delays = once === undefined ? [] : retry.delaysMs;
      for (let attempt = 0; ; attempt++) {
        try {
          await createEvent();
          return;
        } catch (error) {
          if (once !== undefined && isConflict(error)) return; // recorded before, by us or a previous leader
          const delay = delays[attempt];
          if (delay === undefined || !isTransient(error)) {
            onError(error); // an Event is best effort: never fail a drain over it
            return;
          }
          await retry.clock.sleep(delay);
        }
      }

      function createEvent() {
        return core.createNamespacedEvent({
          namespace: target.namespace,
          body: {
            metadata: { ...name, namespace: target.namespace },
            involvedObject: {
              apiVersion: target.apiVersion,
              kind: target.kind,
              namespace: target.namespace,
              name: target.name,
              uid: target.uid,
            },
            type,
            reason,
            message: message.slice(0, 1024),
            source: { component },
            reportingComponent: component,
            reportingInstance: process.env.POD_NAME ?? component,
            firstTimestamp: now,
            lastTimestamp: now,
            count: 1,
          },
        });
      }
    },
  };
}
