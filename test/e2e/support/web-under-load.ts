// The e2e workload: the sample app behind a ClusterIP Service, optionally under a QuiescePolicy, with a load pod
// on the control-plane node sending it long and short work through the Service.
import type { V1Pod } from "@kubernetes/client-node";
import type { QuiescePolicySpecInput } from "../../../operator/api/quiesce-policy.ts";
import { samplePolicySpec } from "../../scenarios/manifests.ts";
import { createStatefulSetApp } from "../../scenarios/workload-kinds.ts";
import { type Apis, createApp, createPolicy } from "../../scenarios/workloads.ts";
import { type LoadPod, startLoadPod, waitForAnswers } from "./load-pod.ts";

/** Work of up to 8 s: longer than the 5 s grace period, so a pod removed mid-work without a drain cuts it. */
export const WEB_MIX = "/work?ms=20:6,/work?ms=1500:3:long,/work?ms=8000:1:long";
export const WEB_GRACE_SECONDS = 5;

/** Settle 3 s (kube-proxy on kind applies endpoint changes within ~1 s), timeout 60 s, poll 1 s. */
export function webPolicy(): QuiescePolicySpecInput {
  return samplePolicySpec("web", { settleSeconds: 3, timeoutSeconds: 60 });
}

export async function controlPlaneNode(apis: Apis): Promise<string> {
  const nodes = await apis.core.listNode({ labelSelector: "node-role.kubernetes.io/control-plane" });
  const name = nodes.items[0]?.metadata?.name;
  if (!name) throw new Error("e2e: no control-plane node in the cluster");
  return name;
}

export interface WebUnderLoad {
  pods: V1Pod[];
  load: LoadPod;
}

export async function webUnderLoad(
  apis: Apis,
  namespace: string,
  o: {
    replicas: number;
    policy: QuiescePolicySpecInput | null;
    kind?: "Deployment" | "StatefulSet";
    /** The load pod's mix and concurrency (default: WEB_MIX, 6). */
    load?: { mix: string; concurrency: number };
  },
): Promise<WebUnderLoad> {
  if (o.policy) await createPolicy(apis, "web", namespace, o.policy);
  const app = { name: "web", namespace, replicas: o.replicas, grace: WEB_GRACE_SECONDS };
  const pods =
    o.kind === "StatefulSet"
      ? await createStatefulSetApp(apis, app, 180_000)
      : await createApp(apis, { ...app, maxSurge: 1, maxUnavailable: 0 }, 180_000);
  const load = await startLoadPod(apis, {
    namespace,
    service: "web",
    mix: o.load?.mix ?? WEB_MIX,
    concurrency: o.load?.concurrency ?? 6,
    nodeName: await controlPlaneNode(apis),
  });
  await waitForAnswers(load, 20);
  return { pods, load };
}
