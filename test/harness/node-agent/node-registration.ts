// Registers local Node objects and keeps them alive: a Lease in kube-node-lease plus a Ready status heartbeat.
import {
  type CoordinationV1Api,
  type CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1NodeCondition,
  type V1NodeStatus,
} from "@kubernetes/client-node";
import type { Logger } from "pino";
import { describeError, isConflict, patchNodeStatus } from "./kube-io.ts";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;

/** Dates, not strings: the typed client serializes them, and JSON.stringify does in patches. */
export function nodeConditions(now: Date, since: Date): V1NodeCondition[] {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: since,
  });
  return [
    condition("Ready", "True", "KubeletReady", "local node agent is posting ready status"),
    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "local node agent"),
    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "local node agent"),
    condition("PIDPressure", "False", "KubeletHasSufficientPID", "local node agent"),
  ];
}

const registeredAt = new Date();

export function nodeStatus(hostIP: string, name: string, now: Date): V1NodeStatus {
  const resources = { cpu: "64", memory: "256Gi", pods: "1000", "ephemeral-storage": "1Ti" };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: nodeConditions(now, registeredAt),
    addresses: [
      { type: "InternalIP", address: hostIP },
      { type: "Hostname", address: name },
    ],
    nodeInfo: {
      architecture: process.arch === "x64" ? "amd64" : process.arch,
      operatingSystem: "linux",
      kubeletVersion: "v1.34.0-local",
      kubeProxyVersion: "",
      containerRuntimeVersion: "local-process://1",
      kernelVersion: "",
      osImage: "local node agent",
      machineID: name,
      systemUUID: name,
      bootID: name,
    },
    daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
  };
}

export function nodeObject(name: string, hostIP: string, labels: Record<string, string>, now: Date): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": process.arch === "x64" ? "amd64" : process.arch,
        ...labels,
      },
    },
    spec: {},
    status: nodeStatus(hostIP, name, now),
  };
}

/** Creates the node, or takes over a same-named leftover; lifts taints nobody here would lift. */
export async function registerNode(
  core: CoreV1Api,
  name: string,
  hostIP: string,
  labels: Record<string, string>,
): Promise<void> {
  const node = nodeObject(name, hostIP, labels, new Date());
  try {
    await core.createNode({ body: node });
  } catch (error) {
    if (!isConflict(error))
      throw new Error(`node-agent: cannot register node ${name}: ${describeError(error)}`);
  }
  const current = await core.readNode({ name });
  const taints = (current.spec?.taints ?? []).filter(
    (t) =>
      !t.key.startsWith("node.kubernetes.io/not-ready") &&
      !t.key.startsWith("node.kubernetes.io/unreachable"),
  );
  if (current.spec?.unschedulable || taints.length !== (current.spec?.taints ?? []).length) {
    await core.replaceNode({
      name,
      body: { ...current, spec: { ...current.spec, taints, unschedulable: false } },
    });
  }
  await heartbeatNode(core, name, hostIP);
}

export async function heartbeatNode(core: CoreV1Api, name: string, hostIP: string): Promise<void> {
  await patchNodeStatus(core, name, { status: nodeStatus(hostIP, name, new Date()) });
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export async function renewLease(coordination: CoordinationV1Api, nodeName: string): Promise<void> {
  const namespace = NODE_LEASE_NAMESPACE;
  try {
    await coordination.createNamespacedLease({
      namespace,
      body: {
        metadata: { name: nodeName, namespace },
        spec: { holderIdentity: nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS },
      },
    });
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
  const body = { spec: { holderIdentity: nodeName, renewTime: microTime(new Date()) } };
  await coordination.patchNamespacedLease(
    { name: nodeName, namespace, body },
    setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
  );
}

/** Heartbeats every `intervalMs` until stopped; failures are logged, never fatal. */
export function keepNodesAlive(
  core: CoreV1Api,
  coordination: CoordinationV1Api,
  names: readonly string[],
  hostIP: string,
  intervalMs: number,
  logger: Logger,
): () => void {
  const beat = async () => {
    for (const name of names) {
      try {
        await renewLease(coordination, name);
        await heartbeatNode(core, name, hostIP);
      } catch (error) {
        logger.warn({ node: name, err: describeError(error) }, "node heartbeat failed");
      }
    }
  };
  void beat();
  const timer = setInterval(() => void beat(), intervalMs);
  return () => clearInterval(timer);
}
