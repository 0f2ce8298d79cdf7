// The operator's drain Events of given pods, read as a user reads them (kubectl get events).
import type { CoreV1Event, V1Pod } from "@kubernetes/client-node";
import { expect } from "vitest";
import { waitFor } from "../../harness/wait-for.ts";
import { type Apis, nameOf } from "../../scenarios/workloads.ts";

async function eventsOf(apis: Apis, namespace: string, pods: readonly V1Pod[]): Promise<CoreV1Event[]> {
  const names = new Set(pods.map(nameOf));
  const events = await apis.core.listNamespacedEvent({ namespace });
  return events.items.filter((e) => names.has(e.involvedObject.name ?? ""));
}

/** How many of these pods have a Drained Event. */
export async function drainedCount(apis: Apis, namespace: string, pods: readonly V1Pod[]): Promise<number> {
  const events = await eventsOf(apis, namespace, pods);
  return new Set(events.filter((e) => e.reason === "Drained").map((e) => e.involvedObject.name)).size;
}

/**
 * Waits until every pod has a Drained Event (Events are written asynchronously; the removal is seen first), then
 * asserts none of them timed out.
 */
export async function expectDrained(
  apis: Apis,
  namespace: string,
  pods: readonly V1Pod[],
  timeoutMs: number,
): Promise<void> {
  try {
    await waitFor(async () => (await drainedCount(apis, namespace, pods)) === pods.length, {
      timeoutMs,
      what: `a Drained Event for each of ${pods.map(nameOf).join(", ")}`,
      intervalMs: 500,
    });
  } catch (error) {
    // Say which pods lack it and what their Events do say, so a failure in CI can be read from its log.
    const events = await eventsOf(apis, namespace, pods);
    const missing = pods
      .map(nameOf)
      .filter((name) => !events.some((e) => e.involvedObject.name === name && e.reason === "Drained"))
      .map((name) => {
        const said = events
          .filter((e) => e.involvedObject.name === name)
          .map((e) => `${e.reason}: ${e.message ?? ""}`);
        return `${name} [${said.join(" | ") || "no Events"}]`;
      });
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; without one: ${missing.join("; ")}`,
    );
  }
  const reasons = (await eventsOf(apis, namespace, pods)).map((e) => e.reason ?? "");
  expect(reasons).not.toContain("DrainTimedOut");
}
