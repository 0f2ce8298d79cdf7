// What wakes the maintenance controller: its annotation on a Deployment, that Deployment's pods, and a new leader.
import type { V1Pod } from "@kubernetes/client-node";
import { MAINTENANCE_ANNOTATION, maintenanceOf } from "../../api/maintenance.ts";
import { keyOf, type ObjectKey, objectKey } from "../../api/object-key.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import { lookupsFrom, ownershipOf } from "../workloads/workload.ts";

export function maintenanceTriggers(cache: ClusterCache, deployments: { add(key: ObjectKey): void }) {
  const lookups = lookupsFrom(cache);
  return {
    watch(): void {
      // A pod of a Deployment in maintenance (a new one, or one that changed) is held out of service too.
      const onPod = (pod: V1Pod) => {
        const own = ownershipOf(pod, lookups).workload;
        if (own.kind !== "Deployment") return;
        if (maintenanceOf(cache.deployments.get(own.namespace, own.name)) !== undefined) {
          deployments.add(objectKey(own.namespace, own.name));
        }
      };
      cache.pods.on("add", onPod);
      cache.pods.on("update", onPod);
      cache.deployments.on("update", (d, old) => {
        const was = old?.metadata?.annotations?.[MAINTENANCE_ANNOTATION];
        if (was !== d.metadata?.annotations?.[MAINTENANCE_ANNOTATION]) deployments.add(keyOf(d));
      });
    },
    /** A new leader picks up every Deployment in maintenance. */
    resync(): void {
      for (const d of cache.deployments.list()) if (maintenanceOf(d) !== undefined) deployments.add(keyOf(d));
    },
  };
}
