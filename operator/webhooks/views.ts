// The slices of Pod and QuiescePolicy the webhooks read: structural types that client-node's V1Pod, the
// API's QuiescePolicy and the zod-parsed admission objects all satisfy.
import { z } from "zod";
import type { LabelSelector } from "../api/label-selector.ts";

export interface PodView {
  metadata?: {
    name?: string | null;
    generateName?: string | null;
    namespace?: string | null;
    uid?: string | null;
    labels?: Readonly<Record<string, string>> | null;
    annotations?: Readonly<Record<string, string>> | null;
    deletionTimestamp?: Date | string | null;
  } | null;
  spec?: {
    containers: ReadonlyArray<{ name: string; lifecycle?: { preStop?: unknown } | null }>;
    readinessGates?: ReadonlyArray<{ conditionType: string }> | null;
    terminationGracePeriodSeconds?: number | null;
  } | null;
  status?: {
    phase?: string | null;
    conditions?: ReadonlyArray<{ type: string; status: string }> | null;
  } | null;
}

export interface PolicyView {
  metadata?: { name?: string; namespace?: string };
  spec: {
    selector: LabelSelector;
    mode?: string;
    drain: {
      timeoutSeconds: number;
      settleSeconds?: number;
      onTimeout?: string;
      injectPreStop?: boolean;
    };
  };
}

/** Mode a policy runs in; anything but an explicit DryRun enforces (the API defaults `mode` to Enforce). */
export function isDryRun(policy: PolicyView): boolean {
  return policy.spec.mode === "DryRun";
}

export function policyKey(policy: PolicyView): string {
  return `${policy.metadata?.namespace ?? ""}/${policy.metadata?.name ?? ""}`;
}

/** Policies sorted by name, so every decision that has to pick one picks the same one. */
export function sortPolicies<P extends PolicyView>(policies: readonly P[]): P[] {
  return [...policies].sort((a, b) => policyKey(a).localeCompare(policyKey(b)));
}

const stringMap = z.record(z.string(), z.string()).nullish();

/** Lenient schema of a Pod as the API server sends it in an AdmissionReview; unknown fields are kept. */
export const admissionPodSchema = z.looseObject({
  metadata: z
    .looseObject({
      name: z.string().nullish(),
      generateName: z.string().nullish(),
      namespace: z.string().nullish(),
      uid: z.string().nullish(),
      labels: stringMap,
      annotations: stringMap,
      deletionTimestamp: z.string().nullish(),
    })
    .nullish(),
  spec: z
    .looseObject({
      containers: z.array(
        z.looseObject({
          name: z.string(),
          lifecycle: z.looseObject({ preStop: z.unknown().optional() }).nullish(),
        }),
      ),
      readinessGates: z.array(z.looseObject({ conditionType: z.string() })).nullish(),
      terminationGracePeriodSeconds: z.number().nullish(),
    })
    .nullish(),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      conditions: z.array(z.looseObject({ type: z.string(), status: z.string() })).nullish(),
    })
    .nullish(),
});
export type AdmissionPod = z.infer<typeof admissionPodSchema>;
