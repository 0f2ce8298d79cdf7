// Pure kubelet status rules: phase, container statuses and conditions (Ready = containers ready AND all gates True).
import type { PodCondition, PodModel, RestartPolicy } from "./pod-model.ts";

export type ContainerState =
  | { kind: "waiting"; reason: string; message?: string }
  | { kind: "running"; startedAt: Date }
  | {
      kind: "terminated";
      exitCode: number;
      signal?: number;
      reason: string;
      startedAt?: Date;
      finishedAt: Date;
    };

export interface ContainerRuntimeStatus {
  name: string;
  image: string;
  state: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  started: boolean;
  restartCount: number;
  containerID?: string;
}

export interface PodRuntimeStatus {
  podIP?: string;
  hostIP: string;
  startTime: Date;
  containers: readonly ContainerRuntimeStatus[];
}

/** Condition types the node agent owns; anything else on the pod (readiness gates) is left to its writer. */
export const OWNED_CONDITIONS = ["PodScheduled", "Initialized", "ContainersReady", "Ready"] as const;

type JsonCondition = {
  type: string;
  status: "True" | "False";
  lastTransitionTime: string;
  reason?: string;
  message?: string;
};

export interface PodStatusPatch {
  status: {
    phase: string;
    hostIP: string;
    hostIPs: { ip: string }[];
    podIP?: string;
    podIPs?: { ip: string }[];
    startTime: string;
    conditions: JsonCondition[];
    containerStatuses: Record<string, unknown>[];
  };
}

export function podPhase(
  restartPolicy: RestartPolicy,
  containers: readonly ContainerRuntimeStatus[],
): string {
  const terminated = containers.filter((c) => c.state.kind === "terminated");
  if (containers.length > 0 && terminated.length === containers.length && restartPolicy !== "Always") {
    const allSucceeded = terminated.every((c) => c.state.kind === "terminated" && c.state.exitCode === 0);
    if (allSucceeded) return "Succeeded";
    if (restartPolicy === "Never") return "Failed";
  }
  const hasRun = containers.some((c) => c.state.kind !== "waiting" || c.restartCount > 0 || c.lastState);
  return hasRun ? "Running" : "Pending";
}

/** Why the gates keep the pod unready, or undefined when every gate condition is True. */
export function unreadyGateMessage(pod: PodModel): string | undefined {
  const conditions = pod.status?.conditions ?? [];
  for (const gate of pod.spec.readinessGates ?? []) {
    const condition = conditions.find((c) => c.type === gate.conditionType);
    if (!condition)
      return `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`;
    if (condition.status !== "True") {
      return `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${condition.status}`;
    }
  }
  return undefined;
}

/**
 * The status the kubelet would write. `previous` supplies lastTransitionTime for conditions whose status is
 * unchanged (what we last wrote, falling back to what the pod shows).
 */
export function buildPodStatus(
  pod: PodModel,
  runtime: PodRuntimeStatus,
  previous: readonly PodCondition[],
  now: Date,
): PodStatusPatch {
  const unready = runtime.containers.filter((c) => !c.ready).map((c) => c.name);
  const containersReady = unready.length === 0;
  const gateMessage = unreadyGateMessage(pod);
  const notReadyContainers = `containers with unready status: [${unready.join(" ")}]`;

  const condition = (type: string, ok: boolean, reason?: string, message?: string): JsonCondition => {
    const status = ok ? "True" : "False";
    const before = previous.find((c) => c.type === type);
    const since =
      before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return {
      type,
      status,
      lastTransitionTime: since.toISOString(),
      ...(ok ? {} : { reason, message }),
    };
  };

  const conditions = [
    condition("PodScheduled", true),
    condition("Initialized", true),
    condition("ContainersReady", containersReady, "ContainersNotReady", notReadyContainers),
    containersReady
      ? condition("Ready", gateMessage === undefined, "ReadinessGatesNotReady", gateMessage)
      : condition("Ready", false, "ContainersNotReady", notReadyContainers),
  ];

  const phase = podPhase(pod.spec.restartPolicy ?? "Always", runtime.containers);
  return {
    status: {
      phase,
      hostIP: runtime.hostIP,
      hostIPs: [{ ip: runtime.hostIP }],
      ...(runtime.podIP ? { podIP: runtime.podIP, podIPs: [{ ip: runtime.podIP }] } : {}),
      startTime: runtime.startTime.toISOString(),
      conditions,
      containerStatuses: runtime.containers.map(containerStatusJson),
    },
  };
}

function containerStatusJson(c: ContainerRuntimeStatus): Record<string, unknown> {
  return {
    name: c.name,
    image: c.image,
    imageID: "",
    ...(c.containerID ? { containerID: c.containerID } : {}),
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state: stateJson(c.state),
    lastState: c.lastState ? stateJson(c.lastState) : { waiting: null, running: null, terminated: null },
  };
}

/** A strategic merge patch merges the state struct, so the two states not in effect are deleted with null. */
export function stateJson(state: ContainerState): Record<string, unknown> {
  switch (state.kind) {
    case "waiting":
      return { waiting: { reason: state.reason, message: state.message }, running: null, terminated: null };
    case "running":
      return { running: { startedAt: state.startedAt.toISOString() }, waiting: null, terminated: null };
    case "terminated":
      return {
        terminated: {
          exitCode: state.exitCode,
          ...(state.signal !== undefined ? { signal: state.signal } : {}),
          reason: state.reason,
          ...(state.startedAt ? { startedAt: state.startedAt.toISOString() } : {}),
          finishedAt: state.finishedAt.toISOString(),
        },
        waiting: null,
        running: null,
      };
  }
}
