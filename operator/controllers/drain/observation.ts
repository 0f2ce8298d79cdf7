// What the drain state machine is told about a pod on each step, and the sanitising parse that never throws.
import { z } from "zod";
import { ENDPOINT_CALLS, type EndpointCall } from "../../protocol/quiesce-protocol.ts";
import type { BudgetDecision } from "../budget/budget.ts";

/** The protocol client's result (mirror of its discriminated union); `kind` is open so new kinds pass through. */
export type ProbeResult =
  | {
      ok: true;
      status: {
        state: "serving" | "quiescing" | "drained";
        inFlight: number;
        /** Absent when the app's counter was unusable (`counterIssue` says why). */
        accepted?: number;
        refused?: number;
        counterIssue?: string;
      };
    }
  | {
      ok: false;
      kind:
        | "refused"
        | "timeout"
        | "http-status"
        | "invalid-body"
        | "too-large"
        | "unauthorized"
        | "network"
        | string;
      message: string;
    };

export interface DrainObservation {
  /** The pod as last read: present, terminating (deletionTimestamp set), or gone. */
  pod: "present" | "terminating" | "gone";
  /** Current status of the quiesce.dev/serving condition (undefined when absent or Unknown). */
  gate?: boolean;
  /** Some EndpointSlice still lists the pod as serving (undefined when not looked up). */
  listed?: boolean;
  /** Result of the endpoint call `nextProbe()` asked for, made just before this step. */
  probe?: { call: EndpointCall; result: ProbeResult };
  /** Budget decision for this pod now; consulted only while the removal waits to start (phase Requested). */
  budget?: BudgetDecision;
  /** The pod belongs to its Deployment's current revision (a rollout that was removing it has been undone). */
  revisionIsCurrent?: boolean;
  /** The pod's Deployment is in maintenance mode (`quiesce.dev/maintenance`); false once it is lifted. */
  maintenance?: boolean;
}

const probeResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    status: z.looseObject({
      state: z.enum(["serving", "quiescing", "drained"]),
      inFlight: z.number().int().nonnegative(),
      accepted: z.number().int().nonnegative().optional().catch(undefined),
      refused: z.number().int().nonnegative().optional().catch(undefined),
      counterIssue: z
        .string()
        .transform((m) => m.slice(0, 300))
        .optional()
        .catch(undefined),
    }),
  }),
  z.object({
    ok: z.literal(false),
    kind: z.string().max(64),
    message: z.string().transform((m) => m.slice(0, 300)),
  }),
]);

const UNUSABLE: ProbeResult = { ok: false, kind: "invalid-body", message: "unusable probe result" };

const observationSchema = z.object({
  pod: z.enum(["present", "terminating", "gone"]).catch("present"),
  gate: z.boolean().optional().catch(undefined),
  listed: z.boolean().optional().catch(undefined),
  probe: z
    .object({ call: z.enum(ENDPOINT_CALLS), result: probeResultSchema.catch(UNUSABLE) })
    .optional()
    .catch(undefined),
  budget: z
    .discriminatedUnion("allowed", [
      z.object({ allowed: z.literal(true), message: z.string() }),
      z.object({ allowed: z.literal(false), message: z.string() }),
    ])
    .optional()
    .catch(undefined),
  revisionIsCurrent: z.boolean().optional().catch(undefined),
  maintenance: z.boolean().optional().catch(undefined),
});

/** Parses an observation; malformed fields read as unknown rather than failing the step. */
export function sanitizeObservation(input: unknown): DrainObservation {
  const r = observationSchema.safeParse(typeof input === "object" && input !== null ? input : {});
  if (!r.success) return { pod: "present" };
  const o = r.data;
  return {
    pod: o.pod,
    gate: o.gate,
    listed: o.listed,
    probe: o.probe ? { call: o.probe.call, result: o.probe.result as ProbeResult } : undefined,
    budget: o.budget,
    revisionIsCurrent: o.revisionIsCurrent,
    maintenance: o.maintenance,
  };
}
