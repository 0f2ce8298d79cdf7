// What wakes a maintenance controller: its annotation on a workload of its kind, that workload's pods, a new leader.
import type { V1Pod } from "@kubernetes/client-node";
import { MAINTENANCE_ANNOTATION, maintenanceOf } from "../../api/maintenance.ts";
import { keyOf, type ObjectKey, objectKey } from "../../api/object-key.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import { type MaintainedKind, workloadInformer } from "../workloads/maintained-workloads.ts";
import { lookupsFrom, ownershipOf } from "../workloads/workload.ts";

export function maintenanceTriggers(
  cache: ClusterCache,
  kind: MaintainedKind,
  workloads: { add(key: ObjectKey): void },
) {
  const lookups = lookupsFrom(cache);
  const informer = workloadInformer(cache, kind);
  return {
    watch(): void {
      // A pod of a workload in maintenance (a new one, or one that changed) is held out of service too.
      const onPod = (pod: V1Pod) => {
        const own = ownershipOf(pod, lookups).workload;
        if (own.kind !== kind) return;
        if (maintenanceOf(informer.get(own.namespace, own.name)) !== undefined) {
          workloads.add(objectKey(own.namespace, own.name));
        }
      };
      cache.pods.on("add", onPod);
      cache.pods.on("update", onPod);
      informer.on("update", (w, old) => {
        const was = old?.metadata?.annotations?.[MAINTENANCE_ANNOTATION];
        if (was !== w.metadata?.annotations?.[MAINTENANCE_ANNOTATION]) workloads.add(keyOf(w));
      });
    },
    /** A new leader picks up every workload of this kind in maintenance. */
    resync(): void {
      for (const w of informer.list()) if (maintenanceOf(w) !== undefined) workloads.add(keyOf(w));
    },
  };
}
