// Puts every pod of a workload under maintenance (a Deployment, StatefulSet or DaemonSet with the annotation) into a
// quiesce (kept, not deleted), and wakes them when lifted. One controller per kind.

import type { Logger } from "pino";
import { maintenanceOf } from "../../api/maintenance.ts";
import { type ObjectKey, objectKey, parseKey } from "../../api/object-key.ts";
import { toAnnotations } from "../../api/pod-annotations.ts";
import { drainStateOf, hasServingGate } from "../../api/pod-view.ts";
import { governingPolicy } from "../../api/policy-match.ts";
import { requestRemoval } from "../../api/removal-request.ts";
import type { ClusterCache } from "../../kube/cache.ts";
import type { EventRecorder } from "../../kube/events.ts";
import type { PodWriter } from "../../kube/pods.ts";
import type { ReconcileResult } from "../../runtime/work-queue.ts";
import { type MaintainedKind, podsOfWorkload, workloadInformer } from "../workloads/maintained-workloads.ts";
import type { Lookups } from "../workloads/workload.ts";

export interface MaintenanceDeps {
  kind: MaintainedKind;
  cache: ClusterCache;
  lookups: Lookups;
  pods: PodWriter;
  events: EventRecorder;
  enqueuePod: (key: ObjectKey) => void;
  logger: Logger;
  now: () => number;
}

export class MaintenanceController {
  private readonly deps: MaintenanceDeps;

  constructor(deps: MaintenanceDeps) {
    this.deps = deps;
  }

  reconcile = async (key: string): Promise<ReconcileResult> => {
    const { namespace, name } = parseKey(key);
    const { cache, lookups } = this.deps;
    const kind = this.deps.kind;
    const workload = workloadInformer(cache, kind).get(namespace, name);
    if (workload === undefined) return { kind: "done" };
    const maintenance = maintenanceOf(workload);
    const pods = podsOfWorkload(kind, name, cache.pods.list(namespace), lookups);
    let marked = 0;
    if (maintenance !== undefined) {
      const policies = cache.policies.list(namespace);
      for (const pod of pods) {
        const policy = governingPolicy(pod, policies);
        if (!policy || policy.spec.mode !== "Enforce" || !hasServingGate(pod)) continue;
        const next = requestRemoval(drainStateOf(pod), {
          now: this.deps.now(),
          policy: policy.metadata.name,
          reason: "maintenance",
          via: "delete",
        });
        if (next === undefined) continue;
        const written = await this.deps.pods.annotate(
          namespace,
          pod.metadata?.name ?? "",
          pod.metadata?.uid ?? "",
          toAnnotations(next),
        );
        if (written) marked++;
      }
      if (marked > 0) {
        await this.deps.events.record(
          { apiVersion: "apps/v1", kind, namespace, name, uid: workload.metadata?.uid },
          "Normal",
          "MaintenanceQuiesce",
          `quiescing ${marked} pod(s) for maintenance requested by ${maintenance.by}: ${maintenance.reason}`,
        );
        this.deps.logger.info(
          { controller: "maintenance", kind, namespace, name, pods: marked },
          "maintenance: pods quiescing",
        );
      }
    }
    // Every pod re-reads its workload's maintenance state: new ones are held, lifted ones unquiesce.
    for (const pod of pods) this.deps.enqueuePod(objectKey(namespace, pod.metadata?.name ?? ""));
    return { kind: "done" };
  };
}
