// The three ways to roll the same Deployment: naive, preStop sleep (what people do today) and the QuiescePolicy.
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";
import { type AppOptions, samplePolicySpec } from "./manifests.ts";

export const WAYS = ["naive", "prestop-sleep", "operator"] as const;
export type Way = (typeof WAYS)[number];

export const WAY_LABELS: Record<Way, string> = {
  naive: "naive",
  "prestop-sleep": "preStop sleep 15",
  operator: "operator",
};

export const PRESTOP_SLEEP_SECONDS = 15;

/** One wave replaces `maxSurge` pods: new ones start, then as many old ones are removed (maxUnavailable 0). */
export function wayApp(way: Way, namespace: string, replicas: number, maxSurge: number): AppOptions {
  const base = { name: "web", namespace, replicas, maxSurge, maxUnavailable: 0 };
  if (way === "naive") return { ...base, grace: 30 };
  if (way === "prestop-sleep") return { ...base, grace: 60, preStopSleep: PRESTOP_SLEEP_SECONDS };
  return { ...base, grace: 30 };
}

/** The operator way's policy: drain up to 120 s, as many drains at once as the Deployment's surge allows. */
export function wayPolicy(way: Way, maxSurge: number): QuiescePolicySpecInput | undefined {
  if (way !== "operator") return undefined;
  return {
    ...samplePolicySpec("web", { timeoutSeconds: 120, settleSeconds: 5, pollIntervalSeconds: 1 }),
    budget: { maxConcurrent: maxSurge, minServing: 1 },
  };
}

/**
 * The operator way with the policy's defaults: selector, endpoint and budget only. `drain.timeoutSeconds` has no
 * default (the schema requires it); 120 s outlasts every scenario's LB lag plus its longest work.
 */
export function defaultWayPolicy(way: Way, maxSurge: number): QuiescePolicySpecInput | undefined {
  if (way !== "operator") return undefined;
  return {
    selector: { matchLabels: { app: "web" } },
    endpoint: { port: "http", path: "/quiesce" },
    drain: { timeoutSeconds: 120 },
    budget: { maxConcurrent: maxSurge, minServing: 1 },
  };
}
