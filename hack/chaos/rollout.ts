// One rollout under load: an EndpointSlice-following client sends short and 2-4 s requests while `trigger` starts
// the rollout and `inject` breaks something; resolves with every request's outcome once the rollout completes.
import {
  type MixEntry,
  type RequestOutcome,
  startLoad,
  startTrafficClient,
} from "../../test/harness/traffic/index.ts";
import { APP_PORT } from "../../test/scenarios/manifests.ts";
import type { ChaosLab } from "./lab.ts";

export const LONG_MIX: MixEntry[] = [
  { path: "/work?ms=2000", weight: 1, class: "long" },
  { path: "/work?ms=3000", weight: 1, class: "long" },
  { path: "/work?ms=4000", weight: 1, class: "long" },
];

export interface RolloutOptions {
  namespace: string;
  app: string;
  trigger: () => Promise<void>;
  /** Runs beside the rollout from the moment it is triggered; awaited before the result. */
  inject?: () => Promise<void>;
  propagationDelayMs: number;
  timeoutMs: number;
  longConcurrency: number;
  shortPerSecond: number;
}

export interface RolloutResult {
  startedAt: number;
  finishedAt: number;
  completed: boolean;
  error?: string;
  outcomes: RequestOutcome[];
}

/** Like waitRolloutComplete, but API errors (the API server is down on purpose) only mean "not yet". */
async function rolledOut(lab: ChaosLab, namespace: string, app: string): Promise<boolean> {
  try {
    const d = await lab.apis.apps.readNamespacedDeployment({ name: app, namespace });
    const want = d.spec?.replicas ?? 0;
    const s = d.status;
    if ((s?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return false;
    if (s?.updatedReplicas !== want || s?.replicas !== want || s?.availableReplicas !== want) return false;
    const pods = await lab.apis.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
    return pods.items.length === want;
  } catch {
    return false;
  }
}

export async function rolloutUnderLoad(lab: ChaosLab, o: RolloutOptions): Promise<RolloutResult> {
  const client = await startTrafficClient({
    kubeConfig: lab.kc,
    namespace: o.namespace,
    service: o.app,
    port: APP_PORT,
    propagationDelayMs: o.propagationDelayMs,
    timeoutMs: 60_000,
  });
  const forever = 3_600_000;
  const send = (path: string, cls: "short" | "long") => client.send(path, cls);
  try {
    await new Promise((r) => setTimeout(r, o.propagationDelayMs + 500)); // the client knows every pod
    const short = startLoad(send, {
      mix: [{ path: "/work?ms=20", weight: 1, class: "short" }],
      ratePerSecond: o.shortPerSecond,
      durationMs: forever,
    });
    const long = startLoad(send, { mix: LONG_MIX, concurrency: o.longConcurrency, durationMs: forever });
    await new Promise((r) => setTimeout(r, 1500)); // long work in flight on every pod
    const startedAt = Date.now();
    let error: string | undefined;
    await o.trigger();
    const injected = (o.inject?.() ?? Promise.resolve()).catch((e: unknown) => {
      error = `fault injection failed: ${e instanceof Error ? e.message : String(e)}`;
    });
    let completed = false;
    const deadline = startedAt + o.timeoutMs;
    await new Promise((r) => setTimeout(r, 1000));
    while (Date.now() < deadline) {
      if (await rolledOut(lab, o.namespace, o.app)) {
        completed = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const finishedAt = Date.now();
    await injected;
    const outcomes = [...(await short.stop()), ...(await long.stop())];
    if (!completed) error ??= `rollout of ${o.namespace}/${o.app} not complete after ${o.timeoutMs} ms`;
    return { startedAt, finishedAt, completed, outcomes, ...(error ? { error } : {}) };
  } finally {
    await client.stop();
  }
}
