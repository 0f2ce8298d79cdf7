// Facts about the chart's operator on the e2e cluster: its pods, the leader, the API server's webhook counters.
import { CoordinationV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { Apis } from "../../scenarios/workloads.ts";
import { RELEASE, RELEASE_NAMESPACE } from "../install-chart.ts";
import { getRaw } from "./kubectl.ts";

export const OPERATOR_SELECTOR = `app.kubernetes.io/name=quiesce-operator,app.kubernetes.io/instance=${RELEASE}`;
export const WEBHOOK_SERVICE = `${RELEASE}-webhook`;

export async function operatorPods(apis: Apis): Promise<V1Pod[]> {
  const list = await apis.core.listNamespacedPod({
    namespace: RELEASE_NAMESPACE,
    labelSelector: OPERATOR_SELECTOR,
  });
  return list.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** The Lease holder's identity (the chart sets it to the pod name), or "" when none holds it. */
export async function leaderIdentity(kc: KubeConfig): Promise<string> {
  const lease = await kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: RELEASE, namespace: RELEASE_NAMESPACE });
  return lease.spec?.holderIdentity ?? "";
}

/**
 * The API server's count of admission calls to our webhooks that failed and were let through
 * (apiserver_admission_webhook_fail_open_count, failurePolicy Ignore) and that were rejected with an error.
 */
export async function webhookFailures(): Promise<{ failOpen: number; callErrors: number }> {
  const text = await getRaw("/metrics");
  const sum = (metric: string, filter: (line: string) => boolean) =>
    text
      .split("\n")
      .filter((l) => l.startsWith(`${metric}{`) && l.includes("quiesce.dev") && filter(l))
      .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
  return {
    failOpen: sum("apiserver_admission_webhook_fail_open_count", () => true),
    callErrors: sum("apiserver_admission_webhook_rejection_count", (l) =>
      l.includes('error_type="calling_webhook_error"'),
    ),
  };
}
