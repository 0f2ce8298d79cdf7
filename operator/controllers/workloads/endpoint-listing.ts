// Whether any EndpointSlice still routes traffic to a pod: the drain's settle wait starts only once none does.
import type { V1EndpointSlice } from "@kubernetes/client-node";

/** What identifies a pod (a V1Pod or the webhook's view of one). */
export interface PodIdentity {
  metadata?: { uid?: string | null; name?: string | null } | null;
}

/**
 * True when some slice of the pod's namespace lists it as serving. `serving` mirrors the pod's readiness even for
 * Services with publishNotReadyAddresses (where `ready` stays true); a slice without conditions counts as serving,
 * as the API defines an unset condition. Matched by UID, so a same-named replacement pod never counts.
 */
export function listedAsServing(pod: PodIdentity, slices: readonly V1EndpointSlice[]): boolean {
  const uid = pod.metadata?.uid ?? undefined;
  const name = pod.metadata?.name ?? undefined;
  for (const slice of slices) {
    for (const endpoint of slice.endpoints ?? []) {
      const ref = endpoint.targetRef;
      if (ref === undefined || (ref.kind !== undefined && ref.kind !== "Pod")) continue;
      const same = ref.uid !== undefined && uid !== undefined ? ref.uid === uid : ref.name === name;
      if (!same) continue;
      const serving = endpoint.conditions?.serving ?? endpoint.conditions?.ready;
      if (serving !== false) return true;
    }
  }
  return false;
}
