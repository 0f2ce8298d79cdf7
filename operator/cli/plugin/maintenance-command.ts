// `kubectl quiesce quiesce|unquiesce|wait deployment|statefulset|daemonset/NAME`: maintenance mode through the
// workload's annotation.
import {
  AuthenticationV1Api,
  type KubernetesObject,
  PatchStrategy,
  type V1Pod,
} from "@kubernetes/client-node";
import {
  isQuiescedForMaintenance,
  MAINTENANCE_ANNOTATION,
  type Maintenance,
  type MaintenanceProgress,
  maintenanceOf,
  maintenanceProgress,
} from "../../api/maintenance.ts";
import { drainStateOf } from "../../api/pod-view.ts";
import type { PluginIo } from "./io.ts";
import { type PluginClients, selectorString } from "./kube.ts";
import { patchWorkload, readWorkloadObject } from "./rollout-targets.ts";
import type { WorkloadTarget } from "./target.ts";

/** Who is asking, as the API server authenticated us (recorded in the annotation; RBAC decides who may patch). */
async function whoAmI(c: PluginClients): Promise<string> {
  try {
    const review = await c.kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    return review.status?.userInfo?.username ?? "unknown";
  } catch {
    return c.kc.getCurrentUser()?.name ?? "unknown";
  }
}

async function setAnnotation(c: PluginClients, t: WorkloadTarget, value: string | null): Promise<void> {
  const body = { metadata: { annotations: { [MAINTENANCE_ANNOTATION]: value } } };
  await patchWorkload(c, t.kind, t.name, body, PatchStrategy.MergePatch);
}

const readObject = (c: PluginClients, t: WorkloadTarget) => readWorkloadObject(c, t.kind, t.name);

/** The workload and its live pods (those its selector matches). */
async function workloadPods(
  c: PluginClients,
  t: WorkloadTarget,
): Promise<{ object: KubernetesObject; pods: V1Pod[] }> {
  const object = await readObject(c, t);
  const labelSelector = selectorString(object.spec?.selector ?? {});
  const pods = (await c.core.listNamespacedPod({ namespace: c.namespace, labelSelector })).items.filter(
    (p) => p.metadata?.deletionTimestamp == null,
  );
  return { object, pods };
}

export async function waitFor(
  c: PluginClients,
  t: WorkloadTarget,
  want: "quiesced" | "unquiesced",
  timeoutMs: number,
  io: PluginIo,
): Promise<number> {
  const deadline = io.now() + timeoutMs;
  for (;;) {
    const { object, pods } = await workloadPods(c, t);
    const progress: MaintenanceProgress = maintenanceProgress(object, pods);
    const quiet = pods.filter((p) => isQuiescedForMaintenance(drainStateOf(p))).length;
    io.progress(`${t.kind}/${t.name}: ${progress} (${quiet}/${pods.length} pods quiesced)`);
    if (progress === want) {
      io.endProgress();
      io.out(`${t.kind}/${t.name} ${want}`);
      return 0;
    }
    if (io.now() >= deadline) {
      io.endProgress();
      io.err(`timed out waiting for ${t.kind}/${t.name} to be ${want} (now ${progress})`);
      return 1;
    }
    await io.sleep(1000);
  }
}

export async function quiesceCommand(
  c: PluginClients,
  t: WorkloadTarget,
  options: { reason: string; wait: boolean; timeoutMs: number },
  io: PluginIo,
): Promise<number> {
  const maintenance: Maintenance = {
    by: await whoAmI(c),
    reason: options.reason,
    at: new Date(io.now()).toISOString(),
  };
  await setAnnotation(c, t, JSON.stringify(maintenance));
  io.out(`${t.kind}/${t.name} maintenance requested by ${maintenance.by}: ${maintenance.reason}`);
  return options.wait ? await waitFor(c, t, "quiesced", options.timeoutMs, io) : 0;
}

export async function unquiesceCommand(
  c: PluginClients,
  t: WorkloadTarget,
  options: { wait: boolean; timeoutMs: number },
  io: PluginIo,
): Promise<number> {
  const was = maintenanceOf(await readObject(c, t));
  await setAnnotation(c, t, null);
  io.out(
    was
      ? `${t.kind}/${t.name} maintenance lifted (was requested by ${was.by}: ${was.reason})`
      : `${t.kind}/${t.name} was not in maintenance`,
  );
  return options.wait ? await waitFor(c, t, "unquiesced", options.timeoutMs, io) : 0;
}
