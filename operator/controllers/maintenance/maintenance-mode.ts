// Maintenance mode of a Deployment (GigaSpaces' quiesce of a whole deployment): the annotation and its readings.
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { z } from "zod";
import { drainStateOf, isTerminating } from "../workloads/pod-facts.ts";
import { type Lookups, ownershipOf } from "../workloads/workload.ts";

/** On a Deployment: every pod is quiesced and kept out of the endpoints, not deleted, until it is removed. */
export const MAINTENANCE_ANNOTATION = "quiesce.dev/maintenance";

export const maintenanceSchema = z.object({
  by: z.string().max(256),
  reason: z.string().max(1024),
  at: z.iso.datetime(),
});
export type Maintenance = z.infer<typeof maintenanceSchema>;

/** The maintenance request on a Deployment; an unreadable annotation still means maintenance is on. */
export function maintenanceOf(deployment: V1Deployment | undefined): Maintenance | undefined {
  const raw = deployment?.metadata?.annotations?.[MAINTENANCE_ANNOTATION];
  if (raw === undefined) return undefined;
  try {
    const parsed = maintenanceSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  return { by: "unknown", reason: raw.slice(0, 200), at: new Date(0).toISOString() };
}

/** The live pods of a Deployment (through their ReplicaSets). */
export function podsOfDeployment(
  deployment: V1Deployment,
  pods: readonly V1Pod[],
  lookups: Lookups,
): V1Pod[] {
  const name = deployment.metadata?.name;
  return pods.filter((p) => {
    if (isTerminating(p)) return false;
    const w = ownershipOf(p, lookups).workload;
    return w.kind === "Deployment" && w.name === name;
  });
}

export type MaintenanceProgress = "quiesced" | "quiescing" | "unquiesced" | "unquiescing";

/** quiesced: every pod drained (or timed out) under maintenance; unquiesced: no pod left in a maintenance drain. */
export function maintenanceProgress(deployment: V1Deployment, pods: readonly V1Pod[]): MaintenanceProgress {
  const on = maintenanceOf(deployment) !== undefined;
  const states = pods.map(drainStateOf);
  if (on) {
    const done = states.every(
      (s) => s.reason === "maintenance" && (s.phase === "Drained" || s.phase === "TimedOut"),
    );
    return done ? "quiesced" : "quiescing";
  }
  return states.some((s) => s.reason === "maintenance" && s.phase !== "Serving")
    ? "unquiescing"
    : "unquiesced";
}
