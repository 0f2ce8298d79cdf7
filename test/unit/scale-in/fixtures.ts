// Fixtures of the scale-in tests: a policy with scaleIn options, and a merge patch applied to annotations.
import { type QuiescePolicy, quiescePolicySchema } from "../../../operator/api/quiesce-policy.ts";
import type { CostPatch } from "../../../operator/controllers/scale-in/deletion-cost.ts";
import { policy as basePolicy } from "../controllers/pods.ts";

/** The policy `web` (app=web) with an endpoint on the pods' http port and preferIdle on, unless told otherwise. */
export function scaleInPolicy(
  o: { preferIdle?: boolean; endpoint?: boolean; name?: string; pollIntervalSeconds?: number } = {},
): QuiescePolicy {
  const p = basePolicy(o.name ?? "web");
  return quiescePolicySchema.parse({
    ...p,
    spec: {
      ...p.spec,
      ...(o.endpoint === false ? {} : { endpoint: { port: "http" } }),
      scaleIn: { preferIdle: o.preferIdle ?? true, pollIntervalSeconds: o.pollIntervalSeconds ?? 10 },
    },
  });
}

/** Annotations after a merge patch (null removes a key). */
export function applyPatch(annotations: Record<string, string>, patch: CostPatch): Record<string, string> {
  const out = { ...annotations };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}
