// The live pods of a Deployment, found through their ReplicaSets: what maintenance mode quiesces.
import type { V1Deployment, V1Pod } from "@kubernetes/client-node";
import { isTerminating } from "../../api/pod-view.ts";
import { type Lookups, ownershipOf } from "../workloads/workload.ts";

/** The live pods of a Deployment (through their ReplicaSets). */
export function podsOfDeployment(
  deployment: V1Deployment,
  pods: readonly V1Pod[],
  lookups: Lookups,
): V1Pod[] {
  const name = deployment.metadata?.name;
  return pods.filter((p) => {
    if (isTerminating(p)) return false;
    const w = ownershipOf(p, lookups).workload;
    return w.kind === "Deployment" && w.name === name;
  });
}
