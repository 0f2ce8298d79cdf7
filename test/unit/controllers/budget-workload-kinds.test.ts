// The budget and the removal reason for StatefulSet and DaemonSet pods: their owner's size, a scale to zero or a
// deleted owner lets the last pod drain, a DaemonSet's other pods are those on the other nodes.
import type { V1DaemonSet, V1Pod, V1StatefulSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { StartDrainEffect } from "../../../operator/api/removal-request.ts";
import { refineReason } from "../../../operator/controllers/drain/removal-requests.ts";
import { budgetFor, desiredReplicas } from "../../../operator/controllers/workloads/budget-input.ts";
import { type Lookups, ownershipOf } from "../../../operator/controllers/workloads/workload.ts";
import { pod } from "./pods.ts";

const budget = { maxConcurrent: 1, minServing: 1 };

function owned(name: string, kind: "StatefulSet" | "DaemonSet", revision = "web-1", ready = true): V1Pod {
  const p = pod(name, { ready, state: "Serving" });
  p.metadata = {
    ...p.metadata,
    labels: { app: "web", "controller-revision-hash": revision },
    ownerReferences: [{ apiVersion: "apps/v1", kind, name: "web", uid: "uid-web", controller: true }],
  };
  return p;
}

function sts(replicas: number, updateRevision = "web-2", deleting = false): V1StatefulSet {
  return {
    metadata: { name: "web", namespace: "ns", ...(deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { replicas, selector: {}, serviceName: "web", template: {} },
    status: { replicas, updateRevision, currentRevision: "web-1" },
  };
}

function ds(desired: number): V1DaemonSet {
  return {
    metadata: { name: "web", namespace: "ns" },
    status: {
      desiredNumberScheduled: desired,
      currentNumberScheduled: desired,
      numberMisscheduled: 0,
      numberReady: desired,
    },
  };
}

const lookups = (o: { sts?: V1StatefulSet; ds?: V1DaemonSet } = {}): Lookups => ({
  replicaSet: () => undefined,
  deployment: () => undefined,
  statefulSet: () => o.sts,
  daemonSet: () => o.ds,
});

const effect = (username: string): StartDrainEffect =>
  ({ reason: "delete", via: "delete", user: { username } }) as unknown as StartDrainEffect;

describe("StatefulSet pods", () => {
  it("count the set's replicas, and the set's update revision says which pods are current", () => {
    const own = ownershipOf(owned("web-2", "StatefulSet", "web-1"), lookups({ sts: sts(3) }));
    expect(own.workload).toEqual({ kind: "StatefulSet", namespace: "ns", name: "web", replicas: 3 });
    expect(own.revisionIsCurrent).toBe(false);
    expect(
      ownershipOf(owned("web-2", "StatefulSet", "web-2"), lookups({ sts: sts(3) })).revisionIsCurrent,
    ).toBe(true);
  });

  it("want the set's replicas; 0 when it is scaled to zero, deleted or gone, so the last pod drains", () => {
    const target = owned("web-0", "StatefulSet");
    expect(desiredReplicas(target, lookups({ sts: sts(3) }))).toBe(3);
    expect(desiredReplicas(target, lookups({ sts: sts(3, "web-2", true) }))).toBe(0);
    expect(desiredReplicas(target, lookups())).toBe(0);
    expect(budgetFor(target, [target], budget, lookups({ sts: sts(0) })).allowed).toBe(true);
    // A one-replica set is replaced in place once its pod is gone: nothing else can serve meanwhile.
    expect(budgetFor(target, [target], budget, lookups({ sts: sts(1) })).allowed).toBe(true);
    const other = owned("web-1", "StatefulSet", "web-1", false);
    const refused = budgetFor(target, [target, other], budget, lookups({ sts: sts(2) }));
    expect(refused).toMatchObject({ allowed: false, message: expect.stringContaining("minServing is 1") });
  });

  it("a rolling update's delete is a rollout, a delete of a current pod a scale-in", () => {
    const controller = effect("system:serviceaccount:kube-system:statefulset-controller");
    const l = lookups({ sts: sts(3) });
    expect(refineReason(controller, owned("web-2", "StatefulSet", "web-1"), l)).toBe("rollout");
    expect(refineReason(controller, owned("web-2", "StatefulSet", "web-2"), l)).toBe("scale-in");
    expect(refineReason(effect("alice"), owned("web-2", "StatefulSet", "web-1"), l)).toBe("delete");
  });
});

describe("DaemonSet pods", () => {
  it("count the nodes the set should run on; the other serving pods are those on the other nodes", () => {
    const a = owned("web-a", "DaemonSet");
    const b = owned("web-b", "DaemonSet");
    const l = lookups({ ds: ds(2) });
    expect(ownershipOf(a, l).workload.replicas).toBe(2);
    expect(budgetFor(a, [a, b], budget, l).allowed).toBe(true);
    const notReady = owned("web-b", "DaemonSet", "web-1", false);
    expect(budgetFor(a, [a, notReady], budget, l).allowed).toBe(false);
    expect(refineReason(effect("system:serviceaccount:kube-system:daemonset-controller"), a, l)).toBe(
      "rollout",
    );
  });

  it("two removals requested together: the first in the queue quiesces, the other serves until a replacement does", () => {
    // The DaemonSet controller retries its denied delete on whichever old pod it meets first, so both get marked.
    const requested = (name: string, at: string, o: { ready?: boolean; phase?: string } = {}) => {
      const p = owned(name, "DaemonSet", "web-1", o.ready ?? true);
      p.metadata = {
        ...p.metadata,
        annotations: { "quiesce.dev/state": o.phase ?? "Requested", "quiesce.dev/requested-at": at },
      };
      return p;
    };
    const l = lookups({ ds: ds(2) });
    const first = requested("web-b", "2026-12-04T01:55:07.399Z");
    const second = requested("web-a", "2026-12-04T01:55:07.627Z");
    expect(budgetFor(first, [first, second], budget, l)).toMatchObject({
      allowed: true,
      message: expect.stringContaining("1 other pod serving"),
    });
    expect(budgetFor(second, [first, second], budget, l)).toMatchObject({
      allowed: false,
      message: expect.stringContaining("only 0 other pods serving"),
    });
    // Once the first has started, the second still waits: the first no longer serves.
    const settling = requested("web-b", "2026-12-04T01:55:07.399Z", { phase: "Settling" });
    expect(budgetFor(second, [settling, second], budget, l).allowed).toBe(false);
    // The first is gone and its replacement on that node serves: the second may go.
    const replacement = owned("web-c", "DaemonSet", "web-2");
    expect(budgetFor(second, [second, replacement], budget, l).allowed).toBe(true);
    // The same instant: the uid decides, the same way for both, so exactly one goes.
    const tieA = requested("web-x", "2026-12-04T01:55:07.399Z");
    const tieB = requested("web-y", "2026-12-04T01:55:07.399Z");
    const allowed = [tieA, tieB].filter((p) => budgetFor(p, [tieA, tieB], budget, l).allowed);
    expect(allowed.map((p) => p.metadata?.name)).toEqual(["web-x"]);
    // A queued pod that is not Ready does not serve for anyone.
    const notReady = requested("web-z", "2026-12-04T01:55:08.000Z", { ready: false });
    expect(budgetFor(first, [first, notReady], budget, l).allowed).toBe(false);
  });

  it("a one-node DaemonSet's pod, or a deleted DaemonSet's, is not held for a replacement that never serves", () => {
    const a = owned("web-a", "DaemonSet");
    expect(desiredReplicas(a, lookups())).toBe(0);
    expect(budgetFor(a, [a], budget, lookups({ ds: ds(1) })).allowed).toBe(true);
  });
});
