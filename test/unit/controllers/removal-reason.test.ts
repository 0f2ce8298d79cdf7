// Removal reasons without per-controller identities, and which cache events wake the pod controller (DryRun).
import { describe, expect, it } from "vitest";
import { needsReconcile } from "../../../operator/controllers/drain/pod-controller.ts";
import {
  isReplicaSetScaleDown,
  refineReason,
  replicaSetExcess,
} from "../../../operator/controllers/drain/removal-requests.ts";
import { deployment, lookups, pod, policy, replicaSet } from "./pods.ts";

const effect = (username: string, reason: "delete" | "eviction" = "delete") => ({
  kind: "startDrain" as const,
  pod: { namespace: "ns", name: "a" },
  policy: "web",
  reason,
  via: reason === "delete" ? ("delete" as const) : ("evict" as const),
  requestedAt: new Date(0),
  user: { username },
});

describe("removal reason from the ReplicaSet's state", () => {
  // The controller manager runs every controller as one user ("admin" here): the scale-down itself tells.
  const l = lookups(
    [replicaSet("web-old", 1, "1"), replicaSet("web-new", 2, "2")],
    [deployment("web", 2, "2")],
  );
  const old = [pod("a", { rs: "web-old" }), pod("b", { rs: "web-old" })];
  const current = [pod("c", { rs: "web-new" }), pod("d", { rs: "web-new" })];
  const all = [...old, ...current];

  it("counts a ReplicaSet's live pods above its replicas", () => {
    expect(replicaSetExcess(old[0]!, all, l)).toBe(1);
    expect(replicaSetExcess(current[0]!, all, l)).toBe(0);
    const terminating = [pod("a", { rs: "web-old" }), pod("b", { rs: "web-old", terminating: true })];
    expect(replicaSetExcess(terminating[0]!, terminating, l)).toBe(0);
    expect(replicaSetExcess(pod("bare"), all, l)).toBe(0);
  });

  it("calls a delete of a scaling-down old revision's pod a rollout, whoever sends it", () => {
    expect(refineReason(effect("admin"), old[0]!, l, all)).toBe("rollout");
    expect(isReplicaSetScaleDown(effect("admin"), old[0]!, all, l)).toBe(true);
  });

  it("calls a delete of a scaling-down current revision's pod a scale-in", () => {
    const scaled = lookups([replicaSet("web-new", 1, "2")], [deployment("web", 1, "2")]);
    expect(refineReason(effect("admin"), current[0]!, scaled, current)).toBe("scale-in");
  });

  it("leaves a person's delete of a pod whose ReplicaSet is steady a delete, and evictions evictions", () => {
    expect(refineReason(effect("alice"), current[0]!, l, all)).toBe("delete");
    expect(refineReason(effect("admin", "eviction"), old[0]!, l, all)).toBe("eviction");
    expect(isReplicaSetScaleDown(effect("admin", "eviction"), old[0]!, all, l)).toBe(false);
  });
});

describe("needsReconcile", () => {
  const dryRun = [policy("web", { mode: "DryRun" })];
  it("wakes for a terminating pod a DryRun policy selects, once (not after its report)", () => {
    expect(needsReconcile(pod("a", { terminating: true }), dryRun)).toBe(true);
    expect(needsReconcile(pod("a"), dryRun)).toBe(false);
    const reported = pod("a", { terminating: true, annotations: { "quiesce.dev/outcome": "DryRun" } });
    expect(needsReconcile(reported, dryRun)).toBe(false);
  });
  it("ignores terminating pods of Enforce policies without our gate, and pods no policy selects", () => {
    expect(needsReconcile(pod("a", { terminating: true }), [policy("web")])).toBe(false);
    expect(needsReconcile(pod("a", { terminating: true, labels: { app: "x" } }), dryRun)).toBe(false);
  });
});
