// Binds the pure mutation and deletion gate to AdmissionRequests and to the lead's adapters (policies, pods, drains).
import type { Logger } from "pino";
import { z } from "zod";
import type { RemovalVia } from "../api/pod-annotations.ts";
import type { PodView } from "../api/pod-view.ts";
import type { PolicyView } from "../api/policy-match.ts";
import type { AdmissionRequest, AdmissionVerdict } from "./admission-review.ts";
import {
  type BreakGlassEffect,
  type DryRunReportEffect,
  decideDeletion,
  type GateEffect,
  type StartDrainEffect,
} from "./deletion-gate.ts";
import { mutatePod } from "./mutate-pod.ts";
import { admissionPodSchema } from "./views.ts";

export type AdmissionHandler = (request: AdmissionRequest) => Promise<AdmissionVerdict>;

export interface PolicyLister {
  /** The QuiescePolicies of `namespace` (typically from an informer cache). Throwing fails the request (HTTP 500). */
  listPolicies(namespace: string): Promise<readonly PolicyView[]> | readonly PolicyView[];
}

export interface MutatePodsDeps extends PolicyLister {
  logger?: Logger;
}

const ALLOW: AdmissionVerdict = { allowed: true };

function isPodsRequest(request: AdmissionRequest, subResource: string | undefined): boolean {
  return (
    request.resource.group === "" &&
    request.resource.resource === "pods" &&
    (request.subResource ?? "") === (subResource ?? "")
  );
}

/** `/mutate-pods`: Pod CREATE -> the readiness gate (and optional preStop) for pods an Enforce policy selects. */
export function createMutatePodsHandler(deps: MutatePodsDeps): AdmissionHandler {
  return async (request) => {
    if (request.operation !== "CREATE" || !isPodsRequest(request, undefined)) return ALLOW;
    const parsed = admissionPodSchema.safeParse(request.object);
    if (!parsed.success) {
      // Not a pod we can read: leave it untouched; the API server's own validation has the last word.
      deps.logger?.warn(
        { webhook: "mutate-pods", uid: request.uid, error: parsed.error.message },
        "unreadable pod",
      );
      return ALLOW;
    }
    const namespace = request.namespace ?? parsed.data.metadata?.namespace ?? "";
    const { patch, enforcing } = mutatePod(parsed.data, await deps.listPolicies(namespace));
    if (enforcing.length > 1) {
      deps.logger?.info(
        {
          webhook: "mutate-pods",
          namespace,
          pod: podLabel(parsed.data, request),
          policies: enforcing.length,
        },
        "pod selected by more than one Enforce policy",
      );
    }
    return patch.length > 0 ? { allowed: true, patch } : ALLOW;
  };
}

export interface PodDeletionDeps extends PolicyLister {
  /** The pod now (for evictions, whose request does not carry it); undefined when it does not exist. */
  getPod(namespace: string, name: string): Promise<PodView | undefined>;
  /** Records the removal on the pod (phase Requested, policy, reason, removal-via, requested-at) and enqueues it; idempotent. */
  startDrain(effect: StartDrainEffect): Promise<void>;
  reportDryRun(effect: DryRunReportEffect): Promise<void>;
  /** Emits the Event naming who removed a selected pod through break-glass. */
  breakGlassUsed(effect: BreakGlassEffect): Promise<void>;
  /** An EndpointSlice lists the pod as serving (a Service routes to it); absent: treated as not routed. */
  routedByService?(pod: PodView): boolean;
  now(): Date;
  logger?: Logger;
}

const evictionSchema = z.looseObject({
  deleteOptions: z.looseObject({ dryRun: z.array(z.string()).nullish() }).nullish(),
});

function podLabel(pod: PodView, request: AdmissionRequest): string {
  return pod.metadata?.name || request.name || `${pod.metadata?.generateName ?? ""}*`;
}

async function podUnderRequest(
  request: AdmissionRequest,
  via: RemovalVia,
  deps: PodDeletionDeps,
): Promise<PodView | undefined> {
  if (via === "delete") {
    const parsed = admissionPodSchema.safeParse(request.oldObject);
    if (parsed.success) return parsed.data;
  }
  if (!request.name || !request.namespace) return undefined;
  return deps.getPod(request.namespace, request.name);
}

function requestDryRun(request: AdmissionRequest): boolean {
  if (request.dryRun === true) return true;
  // An eviction can also carry dry-run in its own deleteOptions (a DELETE's review has no object to read).
  if (request.object === undefined || request.object === null) return false;
  const eviction = evictionSchema.safeParse(request.object);
  return eviction.success && (eviction.data.deleteOptions?.dryRun ?? []).includes("All");
}

/**
 * `/validate-pod-deletion`: pods DELETE and pods/eviction CREATE through the deletion gate. Effects run before the
 * answer: a drain that cannot be recorded turns into a denial that says so (the caller retries), while a failed
 * DryRun report or break-glass Event is logged and does not change the answer.
 */
export function createPodDeletionHandler(deps: PodDeletionDeps): AdmissionHandler {
  return async (request) => {
    let via: RemovalVia;
    if (request.operation === "DELETE" && isPodsRequest(request, undefined)) via = "delete";
    else if (request.operation === "CREATE" && isPodsRequest(request, "eviction")) via = "evict";
    else return ALLOW;

    const pod = await podUnderRequest(request, via, deps);
    const namespace = request.namespace ?? pod?.metadata?.namespace ?? "";
    const decision = decideDeletion({
      via,
      pod,
      policies: pod ? await deps.listPolicies(namespace) : [],
      user: {
        username: request.userInfo.username,
        uid: request.userInfo.uid,
        groups: request.userInfo.groups ?? [],
      },
      dryRun: requestDryRun(request),
      now: deps.now(),
      routedByService: pod ? deps.routedByService?.(pod) : undefined,
    });
    const log = { webhook: "validate-pod-deletion", namespace, pod: request.name, via };

    const failure = await runEffects(decision.effects, deps, log);
    if (decision.allowed) {
      deps.logger?.debug({ ...log, reason: decision.reason }, "pod removal allowed");
      return ALLOW;
    }
    const message = failure
      ? `quiesce-operator could not start draining the pod (${failure}); it stays until a retry succeeds`
      : decision.message;
    deps.logger?.info({ ...log, code: decision.code }, "pod removal denied");
    return { allowed: false, status: { code: decision.code, reason: decision.statusReason, message } };
  };
}

/** Runs the effects in order; returns the startDrain failure, if any (other failures are only logged). */
async function runEffects(
  effects: readonly GateEffect[],
  deps: PodDeletionDeps,
  log: Record<string, unknown>,
): Promise<string | undefined> {
  let failure: string | undefined;
  for (const effect of effects) {
    try {
      if (effect.kind === "startDrain") await deps.startDrain(effect);
      else if (effect.kind === "dryRunReport") await deps.reportDryRun(effect);
      else await deps.breakGlassUsed(effect);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      deps.logger?.error({ ...log, effect: effect.kind, err: detail }, "deletion gate effect failed");
      if (effect.kind === "startDrain") failure = detail;
    }
  }
  return failure;
}
