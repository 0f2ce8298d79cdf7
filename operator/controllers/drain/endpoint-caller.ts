// Makes the one endpoint call the state machine asked for, against the pod's own IP and declared port.
import type { V1Pod } from "@kubernetes/client-node";
import type { DrainState } from "../../api/pod-annotations.ts";
import type { QuiescePolicySpec } from "../../api/quiesce-policy.ts";
import type { TokenSource } from "../../kube/secrets.ts";
import type { EndpointCall } from "../../protocol/quiesce-protocol.ts";
import {
  createQuiesceClient,
  type QuiesceCallResult,
  type QuiesceClient,
  type QuiesceEndpoint,
} from "../../quiesce/client.ts";
import { resolvePodEndpoint } from "../../quiesce/pod-endpoint.ts";
import type { ProbeResult } from "./observation.ts";

export type ClientFactory = (endpoint: QuiesceEndpoint) => QuiesceClient;

/** A settling pod's release outlasts a few missed polls (an operator restart), then runs out by itself. */
export const MIN_RELEASE_SECONDS = 30;

/**
 * How long each settle poll asks the app to release pooled connections: an L4 load balancer (kube-proxy) keeps
 * sending a pooled connection's requests to the pod it was opened to, so `accepted` would rise until the deadline.
 */
export function releaseSecondsFor(spec: QuiescePolicySpec): number {
  return Math.max(MIN_RELEASE_SECONDS, 3 * (spec.drain.pollIntervalSeconds ?? 1));
}

export async function callEndpoint(
  pod: V1Pod,
  spec: QuiescePolicySpec,
  state: DrainState,
  call: EndpointCall,
  tokens: TokenSource,
  makeClient: ClientFactory = createQuiesceClient,
): Promise<ProbeResult> {
  const endpoint = spec.endpoint;
  if (endpoint === undefined)
    return { ok: false, kind: "invalid-endpoint", message: "the policy has no endpoint" };
  const resolved = resolvePodEndpoint(pod, endpoint);
  if (!resolved.ok) return { ok: false, kind: "invalid-endpoint", message: resolved.message };
  let token: string | undefined;
  if (endpoint.tokenSecretRef) {
    const read = await tokens.token(pod.metadata?.namespace ?? "", endpoint.tokenSecretRef);
    if (!read.ok) return { ok: false, kind: "unauthorized", message: read.message };
    token = read.token;
  }
  const client = makeClient({
    podIP: resolved.podIP,
    port: resolved.port,
    path: resolved.path,
    scheme: resolved.scheme,
    token,
    requestTimeoutMs: endpoint.requestTimeoutSeconds * 1000,
  });
  const result: QuiesceCallResult =
    call === "quiesce"
      ? await client.quiesce(state.reason)
      : call === "status" && state.phase === "Settling"
        ? await client.status({ releaseSeconds: releaseSecondsFor(spec) })
        : await client[call]();
  if (!result.ok) return { ok: false, kind: result.kind, message: result.message };
  // The classes are the app's to show; the drain reads the state and the counters (and why a counter is unusable).
  const { classes: _classes, ...status } = result.status;
  return { ok: true, status };
}
