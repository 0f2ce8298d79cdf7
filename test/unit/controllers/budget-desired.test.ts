// minServing is capped by what the workload still wants: scale to zero, deleted Deployments and bare pods drain.
import { describe, expect, it } from "vitest";
import { budgetFor, desiredReplicas } from "../../../operator/controllers/workloads/budget-input.ts";
import { deployment, lookups, pod, replicaSet } from "./pods.ts";

const budget = { maxConcurrent: 1, minServing: 1 };

describe("desired replicas for the budget", () => {
  it("is the Deployment's replicas, 0 when it is gone or being deleted, 0 for a bare pod", () => {
    const target = pod("a", { rs: "web-1", state: "Requested" });
    expect(desiredReplicas(target, lookups([replicaSet("web-1", 2, "1")], [deployment("web", 3, "1")]))).toBe(
      3,
    );
    expect(desiredReplicas(target, lookups([replicaSet("web-1", 2, "1")], []))).toBe(0);
    expect(desiredReplicas(target, lookups([], [deployment("web", 3, "1")]))).toBe(0);
    const deleting = { ...deployment("web", 3, "1") };
    deleting.metadata = { ...deleting.metadata, deletionTimestamp: new Date() };
    expect(desiredReplicas(target, lookups([replicaSet("web-1", 2, "1")], [deleting]))).toBe(0);
    expect(desiredReplicas(pod("bare"), lookups([], []))).toBe(0);
  });

  it("lets the last pod of a deleted Deployment drain (the garbage collector's delete)", () => {
    const target = pod("a", { rs: "web-1", state: "Requested" });
    const decision = budgetFor(target, [target], budget, lookups([], []));
    expect(decision.allowed).toBe(true);
  });

  it("lets the last pod drain on a scale to zero, but not during a one-replica rollout without surge", () => {
    const target = pod("a", { rs: "web-1", state: "Requested" });
    const scaledToZero = lookups([replicaSet("web-1", 0, "1")], [deployment("web", 0, "1")]);
    expect(budgetFor(target, [target], budget, scaledToZero).allowed).toBe(true);
    const rollout = lookups(
      [replicaSet("web-1", 0, "1"), replicaSet("web-2", 1, "2")],
      [deployment("web", 1, "2")],
    );
    const starting = pod("b", { rs: "web-2", ready: false });
    const refused = budgetFor(target, [target, starting], budget, rollout);
    expect(refused.allowed).toBe(false);
    expect(refused.message).toContain("minServing is 1");
  });

  it("never asks for more serving pods than the Deployment wants (scale 3 -> 1 with minServing 2)", () => {
    const l = lookups([replicaSet("web-1", 1, "1")], [deployment("web", 1, "1")]);
    const target = pod("a", { rs: "web-1", state: "Requested" });
    const decision = budgetFor(target, [target, pod("b", { rs: "web-1" })], { ...budget, minServing: 2 }, l);
    expect(decision.allowed).toBe(true);
  });
});

describe("a Deployment with the Recreate strategy", () => {
  it("lets its old pods drain without waiting for serving pods: the new ones start only once the old are gone", () => {
    // The Deployment controller scales the old ReplicaSet to 0 before the new one exists (the revision is unchanged).
    const recreate = deployment("web", 2, "1");
    recreate.spec = { ...recreate.spec, selector: {}, template: {}, strategy: { type: "Recreate" } };
    const last = pod("a", { rs: "web-1", state: "Requested" });
    expect(budgetFor(last, [last], budget, lookups([replicaSet("web-1", 0, "1")], [recreate])).allowed).toBe(
      true,
    );
    // A scale-in or a delete (the ReplicaSet wants what the Deployment wants) keeps its budget.
    const steady = lookups([replicaSet("web-1", 2, "1")], [recreate]);
    expect(budgetFor(last, [last], budget, steady).allowed).toBe(false);
  });
});
