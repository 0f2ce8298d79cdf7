// Thin API-server writes the node agent makes: pod status strategic merge patches and the final pod delete.
import { ApiException, type CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { isConflict, isNotFound } from "../../../operator/kube/api-errors.ts";

export { isConflict, isNotFound };

const strategicMerge = () => setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

export async function patchPodStatus(
  core: CoreV1Api,
  namespace: string,
  name: string,
  body: object,
): Promise<void> {
  await core.patchNamespacedPodStatus({ name, namespace, body }, strategicMerge());
}

/**
 * Removes the pod object once its processes are gone; the uid precondition spares a same-named successor.
 * With a body the API server ignores query parameters, so the grace period goes in the body.
 */
export async function deletePodNow(
  core: CoreV1Api,
  namespace: string,
  name: string,
  uid: string,
): Promise<void> {
  try {
    await core.deleteNamespacedPod({
      name,
      namespace,
      body: { gracePeriodSeconds: 0, preconditions: { uid } },
    });
  } catch (error) {
    if (isNotFound(error) || isConflict(error)) return;
    throw error;
  }
}

export async function patchNodeStatus(core: CoreV1Api, name: string, body: object): Promise<void> {
  await core.patchNodeStatus({ name, body }, strategicMerge());
}

export function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = typeof error.body === "string" ? error.body : JSON.stringify(error.body);
    return `HTTP ${error.code}: ${body.slice(0, 500)}`;
  }
  return error instanceof Error ? error.message : String(error);
}
