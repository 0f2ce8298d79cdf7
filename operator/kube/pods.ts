// Typed pod writes the controllers need: the serving condition, drain annotations, delete and evict.
import { type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { isConflict, isNotFound, isTooManyRequests } from "./api-errors.ts";

const strategic = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);
const merge = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export type RemovalResult = "removed" | "gone" | "blocked";

export interface PodWriter {
  setCondition(
    namespace: string,
    name: string,
    type: string,
    status: boolean,
    reason: string,
    message: string,
  ): Promise<V1Pod | undefined>;
  /**
   * Sets annotations (null removes one); guarded by the pod's UID so a replacement pod is never touched, and with
   * `resourceVersion` only if the pod has not changed since that version (else undefined, like a replacement).
   */
  annotate(
    namespace: string,
    name: string,
    uid: string,
    annotations: Record<string, string | null>,
    resourceVersion?: string,
  ): Promise<V1Pod | undefined>;
  remove(namespace: string, name: string, uid: string, how: "delete" | "evict"): Promise<RemovalResult>;
}

export function podWriter(
  core: CoreV1Api,
  onWrite: (verb: string, resource: string) => void = () => {},
): PodWriter {
  return {
    async setCondition(namespace, name, type, status, reason, message) {
      onWrite("patch", "pods/status");
      // Strategic merge: conditions merge by type, so the kubelet's own conditions stay untouched.
      const body = {
        status: {
          conditions: [
            {
              type,
              status: status ? "True" : "False",
              reason,
              message,
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      };
      try {
        return await core.patchNamespacedPodStatus({ name, namespace, body }, strategic);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async annotate(namespace, name, uid, annotations, resourceVersion) {
      onWrite("patch", "pods");
      const body = { metadata: { uid, annotations, ...(resourceVersion ? { resourceVersion } : {}) } };
      try {
        return await core.patchNamespacedPod({ name, namespace, body }, merge);
      } catch (error) {
        // 409: the UID in the patch no longer matches (a replacement pod, not ours), or the resourceVersion.
        if (isNotFound(error) || isConflict(error)) return undefined;
        throw error;
      }
    },
    async remove(namespace, name, uid, how) {
      const preconditions = { uid };
      try {
        if (how === "evict") {
          onWrite("create", "pods/eviction");
          await core.createNamespacedPodEviction({
            name,
            namespace,
            body: {
              apiVersion: "policy/v1",
              kind: "Eviction",
              metadata: { name, namespace },
              deleteOptions: { preconditions },
            },
          });
        } else {
          onWrite("delete", "pods");
          await core.deleteNamespacedPod({ name, namespace, body: { preconditions } });
        }
        return "removed";
      } catch (error) {
        if (isNotFound(error)) return "gone";
        if (isTooManyRequests(error)) return "blocked";
        // A UID precondition failure (409) means the pod we drained is already gone.
        if (isConflict(error)) return "gone";
        throw error;
      }
    },
  };
}
