// Resolves a policy's endpoint against a pod: its own IP and only a port one of its containers declares.
import type { V1Pod } from "@kubernetes/client-node";
import type { Endpoint } from "../api/quiesce-policy.ts";

export type ResolvedEndpoint =
  | { ok: true; podIP: string; port: number; path: string; scheme: "HTTP" | "HTTPS" }
  | { ok: false; message: string };

export function resolvePodEndpoint(pod: V1Pod, endpoint: Endpoint): ResolvedEndpoint {
  const podIP = pod.status?.podIP;
  if (!podIP) return { ok: false, message: "the pod has no IP yet" };
  const declared = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
  const wanted = endpoint.port;
  const match =
    typeof wanted === "number"
      ? declared.find((p) => p.containerPort === wanted && (p.protocol ?? "TCP") === "TCP")
      : declared.find((p) => p.name === wanted && (p.protocol ?? "TCP") === "TCP");
  if (match === undefined) {
    // Never dial a port the pod did not declare: a policy must not turn the operator into a port scanner.
    return {
      ok: false,
      message: `endpoint port ${String(wanted)} is not a TCP port declared by the pod's containers`,
    };
  }
  return { ok: true, podIP, port: match.containerPort, path: endpoint.path, scheme: endpoint.scheme };
}
