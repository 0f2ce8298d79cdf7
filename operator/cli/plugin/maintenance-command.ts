// `kubectl quiesce quiesce|unquiesce|wait deployment/NAME`: maintenance mode through the Deployment's annotation.
import { AuthenticationV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
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
import type { PluginClients } from "./kube.ts";

const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** Who is asking, as the API server authenticated us (recorded in the annotation; RBAC decides who may patch). */
async function whoAmI(c: PluginClients): Promise<string> {
  try {
    const review = await c.kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
    return review.status?.userInfo?.username ?? "unknown";
  } catch {
    return c.kc.getCurrentUser()?.name ?? "unknown";
  }
}

async function setAnnotation(c: PluginClients, name: string, value: string | null): Promise<void> {
  await c.apps.patchNamespacedDeployment(
    {
      name,
      namespace: c.namespace,
      body: { metadata: { annotations: { [MAINTENANCE_ANNOTATION]: value } } },
    },
    merge,
  );
}

/** Pods of the Deployment: those whose ReplicaSet it owns. */
async function deploymentPods(c: PluginClients, name: string) {
  const deployment = await c.apps.readNamespacedDeployment({ name, namespace: c.namespace });
  const selector = Object.entries(deployment.spec?.selector.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = (
    await c.core.listNamespacedPod({ namespace: c.namespace, labelSelector: selector })
  ).items.filter((p) => p.metadata?.deletionTimestamp == null);
  return { deployment, pods };
}

export async function waitFor(
  c: PluginClients,
  name: string,
  want: "quiesced" | "unquiesced",
  timeoutMs: number,
  io: PluginIo,
): Promise<number> {
  const deadline = io.now() + timeoutMs;
  for (;;) {
    const { deployment, pods } = await deploymentPods(c, name);
    const progress: MaintenanceProgress = maintenanceProgress(deployment, pods);
    const quiet = pods.filter((p) => isQuiescedForMaintenance(drainStateOf(p))).length;
    io.progress(`deployment/${name}: ${progress} (${quiet}/${pods.length} pods quiesced)`);
    if (progress === want) {
      io.endProgress();
      io.out(`deployment/${name} ${want}`);
      return 0;
    }
    if (io.now() >= deadline) {
      io.endProgress();
      io.err(`timed out waiting for deployment/${name} to be ${want} (now ${progress})`);
      return 1;
    }
    await io.sleep(1000);
  }
}

export async function quiesceCommand(
  c: PluginClients,
  name: string,
  options: { reason: string; wait: boolean; timeoutMs: number },
  io: PluginIo,
): Promise<number> {
  const maintenance: Maintenance = {
    by: await whoAmI(c),
    reason: options.reason,
    at: new Date(io.now()).toISOString(),
  };
  await setAnnotation(c, name, JSON.stringify(maintenance));
  io.out(`deployment/${name} maintenance requested by ${maintenance.by}: ${maintenance.reason}`);
  return options.wait ? await waitFor(c, name, "quiesced", options.timeoutMs, io) : 0;
}

export async function unquiesceCommand(
  c: PluginClients,
  name: string,
  options: { wait: boolean; timeoutMs: number },
  io: PluginIo,
): Promise<number> {
  const deployment = await c.apps.readNamespacedDeployment({ name, namespace: c.namespace });
  const was = maintenanceOf(deployment);
  await setAnnotation(c, name, null);
  io.out(
    was
      ? `deployment/${name} maintenance lifted (was requested by ${was.by}: ${was.reason})`
      : `deployment/${name} was not in maintenance`,
  );
  return options.wait ? await waitFor(c, name, "unquiesced", options.timeoutMs, io) : 0;
}
