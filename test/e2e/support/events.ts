// The operator's drain Events of given pods, read as a user reads them (kubectl get events).
import type { V1Pod } from "@kubernetes/client-node";
import type { Apis } from "../../scenarios/workloads.ts";

/** Event reasons recorded for these pods (Drained, DrainTimedOut, ...). */
export async function eventReasons(apis: Apis, namespace: string, pods: readonly V1Pod[]): Promise<string[]> {
  const names = new Set(pods.map((p) => p.metadata?.name));
  const events = await apis.core.listNamespacedEvent({ namespace });
  return events.items.filter((e) => names.has(e.involvedObject.name)).map((e) => e.reason ?? "");
}

/** How many of these pods have a Drained Event. */
export async function drainedCount(apis: Apis, namespace: string, pods: readonly V1Pod[]): Promise<number> {
  const names = new Set(pods.map((p) => p.metadata?.name));
  const events = await apis.core.listNamespacedEvent({ namespace });
  const drained = new Set(
    events.items
      .filter((e) => e.reason === "Drained" && names.has(e.involvedObject.name))
      .map((e) => e.involvedObject.name),
  );
  return drained.size;
}
