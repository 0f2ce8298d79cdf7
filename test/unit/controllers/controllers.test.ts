// Pure parts of the controllers: policy matching, workload ownership, budget inputs, removal recording, status.
import { describe, expect, it } from "vitest";
import { governingPolicy, selectingPolicies } from "../../../operator/api/policy-match.ts";
import {
  REPLICASET_CONTROLLER,
  refineReason,
  withinReplicaSetExcess,
} from "../../../operator/controllers/drain/removal-requests.ts";
import { computeStatus } from "../../../operator/controllers/policy/compute-status.ts";
import { budgetFor } from "../../../operator/controllers/workloads/budget-input.ts";
import { ownershipOf } from "../../../operator/controllers/workloads/workload.ts";
import { resolvePodEndpoint } from "../../../operator/quiesce/pod-endpoint.ts";
import { deployment, lookups, pod, policy, replicaSet } from "./pods.ts";

const budget = { maxConcurrent: 1, minServing: 1 };

describe("policy matching", () => {
  it("never selects a pod in another namespace, whatever its labels", () => {
    expect(selectingPolicies(pod("p", { ns: "other" }), [policy("web")])).toEqual([]);
    expect(selectingPolicies(pod("p"), [policy("web")]).map((p) => p.metadata.name)).toEqual(["web"]);
  });
  it("governs by the policy recorded on the pod, else the first by name", () => {
    const both = [policy("zeta"), policy("alpha")];
    expect(governingPolicy(pod("p"), both)?.metadata.name).toBe("alpha");
    expect(
      governingPolicy(pod("p", { annotations: { "quiesce.dev/policy": "zeta" } }), both)?.metadata.name,
    ).toBe("zeta");
    expect(
      governingPolicy(pod("p", { annotations: { "quiesce.dev/policy": "gone" } }), both)?.metadata.name,
    ).toBe("alpha");
  });
});

describe("workload ownership", () => {
  const l = lookups(
    [replicaSet("web-old", 2, "1"), replicaSet("web-new", 2, "2")],
    [deployment("web", 3, "2")],
  );
  it("maps a pod through its ReplicaSet to the Deployment and tells whether it is the current revision", () => {
    expect(ownershipOf(pod("a", { rs: "web-old" }), l)).toMatchObject({
      workload: { kind: "Deployment", name: "web", replicas: 3 },
      revisionIsCurrent: false,
    });
    expect(ownershipOf(pod("b", { rs: "web-new" }), l).revisionIsCurrent).toBe(true);
  });
  it("treats a bare pod as its own workload of one", () => {
    expect(ownershipOf(pod("c"), l).workload).toEqual({
      kind: "Pod",
      namespace: "ns",
      name: "c",
      replicas: 1,
    });
  });
});

describe("budget inputs", () => {
  const l = lookups(
    [replicaSet("web-old", 1, "1"), replicaSet("web-new", 1, "2")],
    [deployment("web", 2, "2")],
  );
  it("counts serving and quiescing pods of the same Deployment across its ReplicaSets", () => {
    const target = pod("a", { rs: "web-old", state: "Requested" });
    const others = [pod("b", { rs: "web-new" }), pod("x", { labels: { app: "other" } })];
    expect(budgetFor(target, [target, ...others], budget, l).allowed).toBe(true);
    const quiescing = pod("c", { rs: "web-old", state: "Draining", ready: false });
    expect(budgetFor(target, [target, ...others, quiescing], budget, l).allowed).toBe(false);
  });
  it("refuses when no other pod serves (minServing)", () => {
    const target = pod("a", { rs: "web-old", state: "Requested" });
    const starting = pod("b", { rs: "web-new", ready: false });
    const refused = budgetFor(target, [target, starting], budget, l);
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.message).toContain("minServing");
  });
  it("does not let a terminating or kept pod hold a slot", () => {
    const target = pod("a", { rs: "web-old", state: "Requested" });
    const gone = pod("c", { rs: "web-old", state: "Drained", terminating: true });
    const kept = pod("d", {
      rs: "web-old",
      state: "TimedOut",
      annotations: { "quiesce.dev/outcome": "Kept" },
    });
    expect(budgetFor(target, [target, pod("b", { rs: "web-new" }), gone, kept], budget, l).allowed).toBe(
      true,
    );
  });
});

describe("removal requests", () => {
  const l = lookups(
    [replicaSet("web-old", 1, "1"), replicaSet("web-new", 3, "2")],
    [deployment("web", 3, "2")],
  );
  const effect = (username: string) => ({
    kind: "startDrain" as const,
    pod: { namespace: "ns", name: "a" },
    policy: "web",
    reason: "delete" as const,
    via: "delete" as const,
    requestedAt: new Date(0),
    user: { username },
  });
  it("calls a ReplicaSet controller delete of an old revision a rollout, of the current one a scale-in", () => {
    expect(refineReason(effect(REPLICASET_CONTROLLER), pod("a", { rs: "web-old" }), l)).toBe("rollout");
    expect(refineReason(effect(REPLICASET_CONTROLLER), pod("a", { rs: "web-new" }), l)).toBe("scale-in");
    expect(refineReason(effect("alice"), pod("a", { rs: "web-old" }), l)).toBe("delete");
  });
  it("marks no more pods of a ReplicaSet than it is scaling away", () => {
    const pods = [pod("a", { rs: "web-old" }), pod("b", { rs: "web-old" }), pod("c", { rs: "web-old" })];
    // web-old wants 1 of 3: two may be marked.
    expect(withinReplicaSetExcess(pods[0]!, pods, l)).toBe(true);
    const oneMarked = [
      pod("a", { rs: "web-old" }),
      pod("b", { rs: "web-old", state: "Requested" }),
      pods[2]!,
    ];
    expect(withinReplicaSetExcess(oneMarked[0]!, oneMarked, l)).toBe(true);
    const twoMarked = [oneMarked[0]!, oneMarked[1]!, pod("c", { rs: "web-old", state: "Draining" })];
    expect(withinReplicaSetExcess(twoMarked[0]!, twoMarked, l)).toBe(false);
  });
});

describe("pod endpoint", () => {
  it("dials only a TCP port the pod declares, by name or number", () => {
    const p = pod("a");
    expect(
      resolvePodEndpoint(p, { port: "http", path: "/quiesce", scheme: "HTTP", requestTimeoutSeconds: 2 }),
    ).toMatchObject({ ok: true, port: 8080, podIP: "198.18.0.9" });
    expect(
      resolvePodEndpoint(p, { port: 8080, path: "/q", scheme: "HTTP", requestTimeoutSeconds: 2 }),
    ).toMatchObject({ ok: true });
    expect(
      resolvePodEndpoint(p, { port: 22, path: "/q", scheme: "HTTP", requestTimeoutSeconds: 2 }),
    ).toMatchObject({ ok: false });
    expect(
      resolvePodEndpoint(p, { port: "admin", path: "/q", scheme: "HTTP", requestTimeoutSeconds: 2 }),
    ).toMatchObject({ ok: false });
  });
});

describe("policy status", () => {
  it("counts matched, serving and quiescing pods, lists active drains and reports overlaps", () => {
    const web = policy("web");
    const status = computeStatus({
      policy: web,
      policies: [web, policy("also-web")],
      pods: [
        pod("a"),
        pod("b", {
          state: "Draining",
          ready: false,
          annotations: { "quiesce.dev/in-flight": "3", "quiesce.dev/started-at": "2026-01-01T00:00:00Z" },
        }),
        pod("gone", { terminating: true }),
        pod("x", { labels: { app: "other" } }),
      ],
      deployments: [deployment("web", 2, "1")],
      finished: { completed: 2, timedOut: 1 },
      now: new Date("2026-01-01T00:01:00Z"),
    });
    expect(status.pods).toEqual({ matched: 2, serving: 1, quiescing: 1 });
    expect(status.active).toEqual([
      { pod: "b", since: "2026-01-01T00:00:00.000Z", inFlight: 3, phase: "Draining" },
    ]);
    expect(status.drains).toEqual({ completed: 2, timedOut: 1 });
    expect(status.rollouts).toEqual([{ name: "web", updated: 1, ready: 2, total: 2 }]);
    expect(status.conditions?.find((c) => c.type === "Overlapping")).toMatchObject({ status: "True" });
    expect(status.observedGeneration).toBe(2);
  });
});
