import { describe, expect, it } from "vitest";
import { parsePod } from "../../harness/node-agent/pod-model.ts";
import {
  buildPodStatus,
  type ContainerRuntimeStatus,
  podPhase,
  stateJson,
} from "../../harness/node-agent/pod-status.ts";

const now = new Date("2025-01-01T00:00:10Z");
const earlier = new Date("2025-01-01T00:00:00Z");

function pod(extra: { gates?: string[]; conditions?: { type: string; status: string }[] } = {}) {
  return parsePod({
    metadata: { name: "web-1", namespace: "ns", uid: "u1" },
    spec: {
      containers: [{ name: "app", command: ["node"] }],
      readinessGates: extra.gates?.map((conditionType) => ({ conditionType })),
    },
    status: { conditions: extra.conditions },
  });
}

const running = (ready: boolean): ContainerRuntimeStatus => ({
  name: "app",
  image: "local",
  state: { kind: "running", startedAt: earlier },
  ready,
  started: true,
  restartCount: 0,
});

const runtime = (ready: boolean) => ({
  podIP: "127.1.0.5",
  hostIP: "127.0.0.1",
  startTime: earlier,
  containers: [running(ready)],
});
const condition = (status: ReturnType<typeof buildPodStatus>["status"], type: string) =>
  status.conditions.find((c) => c.type === type);

describe("buildPodStatus", () => {
  it("is Ready when containers are ready and there are no gates", () => {
    const { status } = buildPodStatus(pod(), runtime(true), [], now);
    expect(condition(status, "Ready")?.status).toBe("True");
    expect(condition(status, "ContainersReady")?.status).toBe("True");
    expect(status.phase).toBe("Running");
    expect(status.podIPs).toEqual([{ ip: "127.1.0.5" }]);
  });

  it("counts a missing gate condition as False", () => {
    const { status } = buildPodStatus(pod({ gates: ["quiesce.dev/ready"] }), runtime(true), [], now);
    expect(condition(status, "ContainersReady")?.status).toBe("True");
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: "ReadinessGatesNotReady" });
    expect(condition(status, "Ready")?.message).toContain("does not exist");
  });

  it("keeps the pod unready while a gate is False and ready once it is True", () => {
    const gated = (s: string) =>
      pod({ gates: ["quiesce.dev/ready"], conditions: [{ type: "quiesce.dev/ready", status: s }] });
    expect(condition(buildPodStatus(gated("False"), runtime(true), [], now).status, "Ready")?.status).toBe(
      "False",
    );
    expect(condition(buildPodStatus(gated("True"), runtime(true), [], now).status, "Ready")?.status).toBe(
      "True",
    );
  });

  it("never writes condition types it does not own", () => {
    const p = pod({ gates: ["g"], conditions: [{ type: "g", status: "True" }] });
    const types = buildPodStatus(p, runtime(true), [], now).status.conditions.map((c) => c.type);
    expect(types).toEqual(["PodScheduled", "Initialized", "ContainersReady", "Ready"]);
  });

  it("reports unready containers before gates", () => {
    const { status } = buildPodStatus(pod({ gates: ["g"] }), runtime(false), [], now);
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady" });
    expect(condition(status, "Ready")?.message).toBe("containers with unready status: [app]");
  });

  it("keeps lastTransitionTime while a condition's status is unchanged", () => {
    const previous = [
      { type: "Ready", status: "True", lastTransitionTime: earlier },
      { type: "ContainersReady", status: "False", lastTransitionTime: earlier },
    ];
    const { status } = buildPodStatus(pod(), runtime(true), previous, now);
    expect(condition(status, "Ready")?.lastTransitionTime).toBe(earlier.toISOString());
    expect(condition(status, "ContainersReady")?.lastTransitionTime).toBe(now.toISOString());
  });
});

describe("podPhase", () => {
  const terminated = (exitCode: number): ContainerRuntimeStatus => ({
    name: "app",
    image: "local",
    state: { kind: "terminated", exitCode, reason: exitCode === 0 ? "Completed" : "Error", finishedAt: now },
    ready: false,
    started: false,
    restartCount: 0,
  });
  const waiting: ContainerRuntimeStatus = {
    name: "app",
    image: "local",
    state: { kind: "waiting", reason: "ContainerCreating" },
    ready: false,
    started: false,
    restartCount: 0,
  };

  it("is Pending before anything ran and Running once it did", () => {
    expect(podPhase("Always", [waiting])).toBe("Pending");
    expect(podPhase("Always", [running(false)])).toBe("Running");
    expect(podPhase("Always", [{ ...waiting, restartCount: 1 }])).toBe("Running");
  });

  it("ends in Succeeded or Failed only when the policy does not restart", () => {
    expect(podPhase("Never", [terminated(0)])).toBe("Succeeded");
    expect(podPhase("Never", [terminated(1)])).toBe("Failed");
    expect(podPhase("OnFailure", [terminated(0)])).toBe("Succeeded");
    expect(podPhase("OnFailure", [terminated(2)])).toBe("Running");
    expect(podPhase("Always", [terminated(0)])).toBe("Running");
  });
});

describe("stateJson", () => {
  it("nulls the states not in effect so a strategic merge patch cannot leave two", () => {
    expect(
      stateJson({ kind: "terminated", exitCode: 137, signal: 9, reason: "Error", finishedAt: now }),
    ).toEqual({
      terminated: { exitCode: 137, signal: 9, reason: "Error", finishedAt: now.toISOString() },
      waiting: null,
      running: null,
    });
    expect(stateJson({ kind: "running", startedAt: now })).toEqual({
      running: { startedAt: now.toISOString() },
      waiting: null,
      terminated: null,
    });
  });
});
