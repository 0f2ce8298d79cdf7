// Policy status from pods: counts, overlaps, pods kept after a timed-out drain (onTimeout: Keep), and pods without
// the readiness gate.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { toAnnotations } from "../../../operator/api/pod-annotations.ts";
import type { QuiescePolicy } from "../../../operator/api/quiesce-policy.ts";
import { computeStatus } from "../../../operator/controllers/policy/compute-status.ts";

const policy = (name: string, app = "web"): QuiescePolicy => ({
  apiVersion: "quiesce.dev/v1alpha1",
  kind: "QuiescePolicy",
  metadata: { name, namespace: "ns", generation: 1 },
  spec: {
    selector: { matchLabels: { app } },
    mode: "Enforce",
    drain: {
      timeoutSeconds: 5,
      pollIntervalSeconds: 1,
      settleSeconds: 1,
      maxSettleSeconds: 120,
      onTimeout: "Keep",
      injectPreStop: false,
    },
    budget: { maxConcurrent: 1, minServing: 1 },
    scaleIn: { preferIdle: false, pollIntervalSeconds: 10 },
  },
});

function pod(
  name: string,
  annotations: Record<string, string | null> = {},
  ready = true,
  gated = true,
): V1Pod {
  const clean = Object.fromEntries(Object.entries(annotations).filter(([, v]) => v !== null)) as Record<
    string,
    string
  >;
  return {
    metadata: { name, namespace: "ns", uid: name, labels: { app: "web" }, annotations: clean },
    spec: { containers: [], readinessGates: gated ? [{ conditionType: "quiesce.dev/serving" }] : [] },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

const now = new Date("2030-01-01T00:00:00Z");
const run = (pods: V1Pod[], policies = [policy("web")]) =>
  computeStatus({
    policy: policies[0] as QuiescePolicy,
    policies,
    pods,
    deployments: [],
    finished: { completed: 0, timedOut: 0 },
    now,
  });

describe("computeStatus", () => {
  it("flags pods kept after a timed-out drain in a PodsKept condition", () => {
    const kept = pod(
      "web-b",
      toAnnotations({ phase: "TimedOut", policy: "web", outcome: "Kept", startedAt: now.getTime() - 9000 }),
      false,
    );
    const status = run([pod("web-a"), kept]);
    const condition = status.conditions?.find((c) => c.type === "PodsKept");
    expect(condition?.status).toBe("True");
    expect(condition?.message).toContain("web-b");
    expect(status.pods).toEqual({ matched: 2, serving: 1, quiescing: 0 });
  });

  it("reports PodsKept False when no pod is kept, and a pod timed out and deleted is not kept", () => {
    const timedOut = pod(
      "web-b",
      toAnnotations({ phase: "TimedOut", policy: "web", outcome: "TimedOut" }),
      false,
    );
    const status = run([pod("web-a"), timedOut]);
    expect(status.conditions?.find((c) => c.type === "PodsKept")?.status).toBe("False");
  });

  it("reports overlapping policies on both", () => {
    const policies = [policy("a"), policy("b")];
    const first = computeStatus({
      policy: policies[0] as QuiescePolicy,
      policies,
      pods: [pod("web-a")],
      deployments: [],
      finished: { completed: 0, timedOut: 0 },
      now,
    });
    const second = computeStatus({
      policy: policies[1] as QuiescePolicy,
      policies,
      pods: [pod("web-a")],
      deployments: [],
      finished: { completed: 0, timedOut: 0 },
      now,
    });
    expect(first.conditions?.find((c) => c.type === "Overlapping")?.message).toContain("b");
    expect(second.conditions?.find((c) => c.type === "Overlapping")?.message).toContain("a");
  });

  it("names serving pods created without the readiness gate in PodsUngated, and is False when all are gated", () => {
    const status = run([pod("web-a"), pod("web-b", {}, true, false), pod("web-c", {}, true, false)]);
    const ungated = status.conditions?.find((c) => c.type === "PodsUngated");
    expect(ungated).toMatchObject({ status: "True", reason: "CreatedWithoutReadinessGate" });
    expect(ungated?.message).toContain("2 pod(s)");
    expect(ungated?.message).toContain("web-b, web-c");
    expect(run([pod("web-a")]).conditions?.find((c) => c.type === "PodsUngated")?.status).toBe("False");
  });
});
