// Deletion churn against the operator's webhooks: a pool of light pods under a QuiescePolicy, and a deleter that
// deletes pods in waves, serving ones (a drain starts) and draining ones again (as a ReplicaSet or `kubectl drain`
// retries), while the ReplicaSet refills the pool; it keeps what the API server answered to each call.
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { ANNOTATIONS, SERVING_CONDITION } from "../../../operator/api/pod-annotations.ts";
import { rejection } from "../../scenarios/drain-steps.ts";
import { type Apis, createPolicy, isReady, listPods, nameOf, uidOf } from "../../scenarios/workloads.ts";
import { SAMPLE_APP_IMAGE } from "../images.ts";

export const CHURN_APP = "churn";
/** Each drain: out of the (absent) endpoints, settle 15 s, removal: a pod churns every ~20 s, not faster. */
const SETTLE_SECONDS = 15;
/** A drain younger than this cannot have finished by the time its deletion is answered: the gate must deny. */
const REDELETE_WITHIN_MS = (SETTLE_SECONDS - 5) * 1000;

/** One `kubectl delete pod`: when it was sent and answered, and whether the gate denied it (the drain runs). */
export interface DeletionCall {
  pod: string;
  uid: string;
  sentAt: number;
  answeredAt: number;
  /** denied: the gate answered (the drain runs); allowed: the pod went at once, without its drain; error: other. */
  outcome: "denied" | "allowed" | "error";
  detail?: string;
}

/** Pods that hold no work (`sleep`, a 1 s grace): the gate, not the app, is under test. */
function poolDeployment(namespace: string, replicas: number): V1Deployment {
  const labels = { app: CHURN_APP };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: CHURN_APP, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: "idle",
              image: SAMPLE_APP_IMAGE,
              command: ["sleep", "infinity"],
              resources: { requests: { cpu: "1m", memory: "4Mi" } },
            },
          ],
        },
      },
    },
  };
}

export const hasGate = (p: V1Pod) =>
  p.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;

/** A pod the gate must deny: Ready, gated, no removal recorded, not terminating. */
export const gateMustDeny = (p: V1Pod) =>
  isReady(p) &&
  hasGate(p) &&
  !p.metadata?.deletionTimestamp &&
  !Object.keys(p.metadata?.annotations ?? {}).some((k) => k.startsWith("quiesce.dev/"));

/** The pool and its policy (drain at once, every pod at a time); resolves once `replicas` pods serve. */
export async function createChurnPool(apis: Apis, namespace: string, replicas: number): Promise<void> {
  await createPolicy(apis, CHURN_APP, namespace, {
    selector: { matchLabels: { app: CHURN_APP } },
    drain: { timeoutSeconds: 120, settleSeconds: SETTLE_SECONDS, pollIntervalSeconds: 1 },
    budget: { maxConcurrent: "100%", minServing: 0 },
  });
  await apis.apps.createNamespacedDeployment({ namespace, body: poolDeployment(namespace, replicas) });
}

/** How many pool pods the gate would deny now. */
export async function deniablePods(apis: Apis, namespace: string): Promise<V1Pod[]> {
  return (await listPods(apis, namespace, CHURN_APP)).filter(gateMustDeny);
}

/** A pod draining for less than REDELETE_WITHIN_MS: deleting it again must be denied with its progress. */
const drainingYoung = (p: V1Pod, now: number) => {
  const started = Date.parse(p.metadata?.annotations?.[ANNOTATIONS.startedAt] ?? "");
  return !p.metadata?.deletionTimestamp && Number.isFinite(started) && now - started < REDELETE_WITHIN_MS;
};

/** Up to `n` pods to delete now: serving ones first (each once), then young drains again. */
async function targets(apis: Apis, namespace: string, n: number, tried: Set<string>): Promise<V1Pod[]> {
  const pods = await listPods(apis, namespace, CHURN_APP);
  const now = Date.now();
  const fresh = pods.filter((p) => gateMustDeny(p) && !tried.has(uidOf(p)));
  const again = pods.filter((p) => drainingYoung(p, now) && tried.has(uidOf(p)));
  return [...fresh, ...again.sort(() => Math.random() - 0.5)].slice(0, n);
}

async function deleteOnce(apis: Apis, namespace: string, pod: V1Pod): Promise<DeletionCall> {
  const sentAt = Date.now();
  const base = { pod: nameOf(pod), uid: uidOf(pod), sentAt };
  try {
    const denied = await rejection(
      apis.core.deleteNamespacedPod({
        namespace,
        name: nameOf(pod),
        body: { preconditions: { uid: uidOf(pod) } },
      }),
    );
    const answeredAt = Date.now();
    if (denied === undefined) return { ...base, answeredAt, outcome: "allowed" };
    const gate =
      denied.code === 403 && /(draining|waiting to drain) under QuiescePolicy/.test(denied.message);
    return {
      ...base,
      answeredAt,
      outcome: gate ? "denied" : "error",
      detail: `${denied.code} ${denied.message}`,
    };
  } catch (error) {
    return { ...base, answeredAt: Date.now(), outcome: "error", detail: String(error) };
  }
}

export interface Deleter {
  calls(): readonly DeletionCall[];
  /** Resolves when at least `minTotal` deletions were answered and `until()` holds (checked between waves). */
  stop(o: {
    minTotal: number;
    until: () => boolean | Promise<boolean>;
    timeoutMs: number;
  }): Promise<DeletionCall[]>;
}

/**
 * Every `intervalMs`, deletes up to `wave` pods the gate must deny, all at once (so several admission calls are in
 * flight together): serving pods, each once, then pods whose drain is young. Runs until stopped.
 */
export function startDeleter(
  apis: Apis,
  namespace: string,
  o: { wave: number; intervalMs: number },
): Deleter {
  const calls: DeletionCall[] = [];
  const tried = new Set<string>();
  let goal: { minTotal: number; until: () => boolean | Promise<boolean> } | undefined;
  let lastError: unknown;
  let halted = false;
  const loop = (async () => {
    while (!halted) {
      const tick = Date.now();
      if (goal && calls.length >= goal.minTotal && (await goal.until())) return;
      try {
        const batch = await targets(apis, namespace, o.wave, tried);
        for (const p of batch) tried.add(uidOf(p));
        calls.push(...(await Promise.all(batch.map((p) => deleteOnce(apis, namespace, p)))));
      } catch (error) {
        lastError = error; // a failed list: the next wave tries again
      }
      await new Promise((r) => setTimeout(r, Math.max(0, o.intervalMs - (Date.now() - tick))));
    }
  })();
  return {
    calls: () => calls,
    async stop(s) {
      goal = s;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `e2e: the deleter did not reach ${s.minTotal} deletions and its stop condition in ${s.timeoutMs} ms ` +
                  `(${calls.length} sent; last list error: ${String(lastError)})`,
              ),
            ),
          s.timeoutMs,
        );
      });
      try {
        await Promise.race([loop, late]);
      } finally {
        halted = true;
        clearTimeout(timer);
      }
      return calls;
    },
  };
}

/** The calls by outcome. */
export function tallyCalls(calls: readonly DeletionCall[]) {
  const count = (outcome: DeletionCall["outcome"]) => calls.filter((c) => c.outcome === outcome).length;
  return {
    deletions: calls.length,
    pods: new Set(calls.map((c) => c.uid)).size,
    denied: count("denied"),
    failedOpen: count("allowed"),
    errors: count("error"),
  };
}
