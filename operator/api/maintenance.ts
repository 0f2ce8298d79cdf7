// Maintenance mode of a workload (GigaSpaces' quiesce of a whole deployment): the annotation and its readings.
import { z } from "zod";
import { isDrainFinished } from "./drain-phases.ts";
import type { DrainState } from "./pod-annotations.ts";
import { drainStateOf, type PodView } from "./pod-view.ts";

/** On a Deployment: every pod is quiesced and kept out of the endpoints, not deleted, until it is removed. */
export const MAINTENANCE_ANNOTATION = "quiesce.dev/maintenance";

/** The part of a Deployment maintenance mode reads. */
export interface DeploymentView {
  metadata?: { annotations?: Readonly<Record<string, string>> | null } | null;
}

export const maintenanceSchema = z.object({
  by: z.string().max(256),
  reason: z.string().max(1024),
  at: z.iso.datetime(),
});
export type Maintenance = z.infer<typeof maintenanceSchema>;

/** The maintenance request on a Deployment; an unreadable annotation still means maintenance is on. */
export function maintenanceOf(deployment: DeploymentView | undefined): Maintenance | undefined {
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

/** A pod maintenance mode has finished quiescing: drained (or timed out) and kept out of service. */
export function isQuiescedForMaintenance(state: DrainState): boolean {
  return state.reason === "maintenance" && isDrainFinished(state.phase);
}

export type MaintenanceProgress = "quiesced" | "quiescing" | "unquiesced" | "unquiescing";

/** quiesced: every pod drained (or timed out) under maintenance; unquiesced: no pod left in a maintenance drain. */
export function maintenanceProgress(
  deployment: DeploymentView,
  pods: readonly PodView[],
): MaintenanceProgress {
  const on = maintenanceOf(deployment) !== undefined;
  const states = pods.map(drainStateOf);
  if (on) {
    const done = states.every((s) => isQuiescedForMaintenance(s));
    return done ? "quiesced" : "quiescing";
  }
  return states.some((s) => s.reason === "maintenance" && s.phase !== "Serving")
    ? "unquiescing"
    : "unquiesced";
}
