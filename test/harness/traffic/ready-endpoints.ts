// Pure: the set of addresses kube-proxy would route to, from a Service's EndpointSlices.
import { z } from "zod";

const Slice = z.object({
  addressType: z.string().optional(),
  endpoints: z
    .array(
      z.object({
        addresses: z.array(z.string()),
        conditions: z
          .object({
            ready: z.boolean().nullish(),
            serving: z.boolean().nullish(),
            terminating: z.boolean().nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});

/**
 * Ready, non-terminating endpoints, sorted and de-duplicated (a pod can appear in two slices while they are
 * rebalanced). A missing `ready` means ready, as in the API and kube-proxy.
 */
export function readyAddresses(slices: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const raw of slices) {
    const slice = Slice.parse(raw);
    if (slice.addressType !== undefined && slice.addressType !== "IPv4") continue;
    for (const endpoint of slice.endpoints ?? []) {
      const ready = endpoint.conditions?.ready ?? true;
      const terminating = endpoint.conditions?.terminating ?? false;
      if (!ready || terminating) continue;
      for (const address of endpoint.addresses) out.add(address);
    }
  }
  return [...out].sort();
}

/** Cycles through the current endpoints; survives the list changing under it. */
export class RoundRobin {
  #next = 0;

  pick(endpoints: readonly string[]): string | undefined {
    if (endpoints.length === 0) return undefined;
    const chosen = endpoints[this.#next % endpoints.length];
    this.#next = (this.#next + 1) % Number.MAX_SAFE_INTEGER;
    return chosen;
  }
}
