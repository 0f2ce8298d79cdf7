// Watches the operator while the churn runs: the Lease holder, the operator pods, which of them the webhook
// Service lists as ready, and each pool pod's drain (start, removal), sampled every 250 ms on the test clock.
import { CoordinationV1Api, DiscoveryV1Api, type KubeConfig } from "@kubernetes/client-node";
import { ANNOTATIONS } from "../../../operator/api/pod-annotations.ts";
import { type Apis, isReady, listPods, nameOf, uidOf } from "../../scenarios/workloads.ts";
import { RELEASE, RELEASE_NAMESPACE } from "../install-chart.ts";
import { CHURN_APP } from "./deletion-churn.ts";
import { OPERATOR_SELECTOR, WEBHOOK_SERVICE } from "./operator.ts";

const TICK_MS = 250;

export interface OperatorSample {
  at: number;
  holder: string;
  /** The Lease's last renewal (its holder's clock, the same machine as the test's on kind). */
  renewedAt: number;
  pods: { name: string; deleting: boolean; ready: boolean; image: string; restarts: number }[];
  /** Operator pods the webhook Service's EndpointSlices list as ready (where the API server's calls go). */
  endpoints: string[];
}

export interface DrainSpan {
  pod: string;
  uid: string;
  startedAt: number;
  /** First seen terminating or gone (test clock), undefined while it still runs. */
  removedAt?: number;
  outcome?: string;
}

export interface LeaderGap {
  from: number;
  to: number;
  before: string;
  after: string;
}

export interface ChurnWatch {
  samples(): readonly OperatorSample[];
  drains(): DrainSpan[];
  stop(): Promise<void>;
}

export function watchChurn(kc: KubeConfig, apis: Apis, namespace: string): ChurnWatch {
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const samples: OperatorSample[] = [];
  const drains = new Map<string, DrainSpan>();
  let stopped = false;
  const sampleOperator = async (): Promise<OperatorSample> => {
    const [lease, pods, slices] = await Promise.all([
      coordination.readNamespacedLease({ name: RELEASE, namespace: RELEASE_NAMESPACE }),
      apis.core.listNamespacedPod({ namespace: RELEASE_NAMESPACE, labelSelector: OPERATOR_SELECTOR }),
      discovery.listNamespacedEndpointSlice({
        namespace: RELEASE_NAMESPACE,
        labelSelector: `kubernetes.io/service-name=${WEBHOOK_SERVICE}`,
      }),
    ]);
    return {
      at: Date.now(),
      holder: lease.spec?.holderIdentity ?? "",
      renewedAt: lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0,
      pods: pods.items.map((p) => ({
        name: nameOf(p),
        deleting: Boolean(p.metadata?.deletionTimestamp),
        ready: isReady(p),
        image: p.spec?.containers[0]?.image ?? "",
        restarts: p.status?.containerStatuses?.[0]?.restartCount ?? 0,
      })),
      endpoints: slices.items.flatMap((s) =>
        s.endpoints.filter((e) => e.conditions?.ready === true).map((e) => e.targetRef?.name ?? ""),
      ),
    };
  };
  const sampleDrains = async () => {
    const now = Date.now();
    const pods = await listPods(apis, namespace, CHURN_APP);
    const seen = new Set(pods.map(uidOf));
    for (const pod of pods) {
      const started = Date.parse(pod.metadata?.annotations?.[ANNOTATIONS.startedAt] ?? "");
      if (!Number.isFinite(started)) continue;
      const span = drains.get(uidOf(pod)) ?? { pod: nameOf(pod), uid: uidOf(pod), startedAt: started };
      span.outcome = pod.metadata?.annotations?.[ANNOTATIONS.outcome] ?? span.outcome;
      if (pod.metadata?.deletionTimestamp) span.removedAt ??= now;
      drains.set(uidOf(pod), span);
    }
    for (const [uid, span] of drains) if (!seen.has(uid)) span.removedAt ??= now;
  };
  const loop = (async () => {
    for (let i = 0; !stopped; i++) {
      const tick = Date.now();
      try {
        samples.push(await sampleOperator());
        if (i % 2 === 0) await sampleDrains();
      } catch {
        // a failed read: the next tick samples again
      }
      await new Promise((r) => setTimeout(r, Math.max(0, TICK_MS - (Date.now() - tick))));
    }
  })();
  return {
    samples: () => samples,
    drains: () => [...drains.values()],
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** The chart renews the Lease every 2 s (retryPeriodSeconds): a renewal older than 5 s means no leader runs. */
const STALE_LEASE_MS = 5000;

const led = (s: OperatorSample) => s.holder !== "" && s.at - s.renewedAt <= STALE_LEASE_MS;

/**
 * The intervals without a running leader: from the last sample of a leader to the first sample of the next one (a
 * handover through a released Lease, a SIGKILLed leader whose Lease expires or whose restart takes it again).
 */
export function leaderGaps(samples: readonly OperatorSample[]): LeaderGap[] {
  const gaps: LeaderGap[] = [];
  let last: OperatorSample | undefined;
  let lapsed = false;
  for (const s of samples) {
    if (!led(s)) {
      lapsed = true;
      continue;
    }
    if (last && (lapsed || s.holder !== last.holder)) {
      gaps.push({ from: last.at, to: s.at, before: last.holder, after: s.holder });
    }
    last = s;
    lapsed = false;
  }
  return gaps;
}

/** Drains under way during a leader gap: no leader ran them for a while. */
export function pausedDrains(drains: readonly DrainSpan[], gaps: readonly LeaderGap[]): DrainSpan[] {
  return drains.filter((d) =>
    gaps.some((g) => d.startedAt < g.to && (d.removedAt ?? Number.POSITIVE_INFINITY) > g.from),
  );
}

/** When a pod was first seen with (or without) a ready webhook endpoint at or after `after`. */
export function endpointChange(
  samples: readonly OperatorSample[],
  pod: string,
  listed: boolean,
  after: number,
): number | undefined {
  return samples.find((s) => s.at >= after && s.endpoints.includes(pod) === listed)?.at;
}

/** For an operator pod that was stopped: when it was seen terminating, out of the endpoints, and gone. */
export function stopTimeline(samples: readonly OperatorSample[], pod: string) {
  const deletingAt = samples.find((s) => s.pods.some((p) => p.name === pod && p.deleting))?.at;
  if (deletingAt === undefined) return undefined;
  const goneAt = samples.find((s) => s.at > deletingAt && !s.pods.some((p) => p.name === pod))?.at;
  return { deletingAt, leftEndpointsAt: endpointChange(samples, pod, false, deletingAt), goneAt };
}
