// kubectl-quiesce pure parts: targets, durations, per-pod status rows, rollout progress and its rendering.
import type { CoreV1Event, V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { quiescePolicySchema } from "../../../operator/api/quiesce-policy.ts";
import { formatDuration, parseDuration } from "../../../operator/cli/plugin/duration.ts";
import { selectorString } from "../../../operator/cli/plugin/kube.ts";
import { podStatusRow } from "../../../operator/cli/plugin/pod-status.ts";
import {
  progressBar,
  RolloutTracker,
  renderProgress,
} from "../../../operator/cli/plugin/rollout-progress.ts";
import {
  daemonSetState,
  deploymentState,
  statefulSetState,
} from "../../../operator/cli/plugin/rollout-workloads.ts";
import { renderStatusTable } from "../../../operator/cli/plugin/status-command.ts";
import { renderTable } from "../../../operator/cli/plugin/table.ts";
import { parseTarget, parseWorkloadTarget } from "../../../operator/cli/plugin/target.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

const policy = quiescePolicySchema.parse({
  apiVersion: "quiesce.dev/v1alpha1",
  kind: "QuiescePolicy",
  metadata: { name: "web", namespace: "ns" },
  spec: { selector: { matchLabels: { app: "web" } }, drain: { timeoutSeconds: 120 } },
});

function pod(name: string, annotations: Record<string, string> = {}, hash = "old", ready = true): V1Pod {
  return {
    metadata: {
      name,
      namespace: "ns",
      labels: { app: "web", "pod-template-hash": hash },
      annotations,
      creationTimestamp: new Date(T0 - 600_000),
    },
    status: {
      conditions: [
        { type: "Ready", status: ready ? "True" : "False" },
        { type: "quiesce.dev/serving", status: "True", lastTransitionTime: new Date(T0 - 300_000) },
      ],
    },
  };
}

describe("targets", () => {
  it("parses deployment, statefulset and daemonset targets, policy names, and rejects other types", () => {
    expect(parseTarget(undefined)).toEqual({ kind: "all" });
    expect(parseTarget("deploy/web")).toEqual({ kind: "deployment", name: "web" });
    expect(parseTarget("deployments.apps/web")).toEqual({ kind: "deployment", name: "web" });
    expect(parseTarget("web")).toEqual({ kind: "policy", name: "web" });
    expect(parseTarget("qp/web")).toEqual({ kind: "policy", name: "web" });
    expect(parseTarget("sts/db")).toEqual({ kind: "statefulset", name: "db" });
    expect(parseTarget("daemonsets.apps/proxy")).toEqual({ kind: "daemonset", name: "proxy" });
    expect(() => parseTarget("job/db")).toThrow(/unsupported resource type "job"/);
    expect(parseWorkloadTarget("statefulset/db")).toEqual({ kind: "statefulset", name: "db" });
    expect(() => parseWorkloadTarget("web")).toThrow(
      /expected deployment\/NAME, statefulset\/NAME or daemonset/,
    );
    expect(() => parseTarget("deployment/Bad_Name")).toThrow(/invalid name/);
  });
});

describe("durations", () => {
  it("parses Go-style durations and bare seconds; prints kubectl-style ages", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("15")).toBe(15_000);
    expect(() => parseDuration("10 minutes")).toThrow(/invalid duration/);
    expect(() => parseDuration("5x")).toThrow(/invalid duration/);
    expect(formatDuration(45_900)).toBe("45s");
    expect(formatDuration(125_000)).toBe("2m05s");
    expect(formatDuration(3 * 3_600_000 + 7 * 60_000)).toBe("3h07m");
    expect(formatDuration(-5)).toBe("0s");
  });
});

describe("status rows", () => {
  it("a draining pod: state, in flight, time in state from phase-entered-at, ETA from started-at + timeout", () => {
    const p = pod("web-1", {
      "quiesce.dev/state": "Draining",
      "quiesce.dev/policy": "web",
      "quiesce.dev/in-flight": "7",
      "quiesce.dev/started-at": iso(T0 - 30_000),
      "quiesce.dev/phase-entered-at": iso(T0 - 12_000),
      "quiesce.dev/reason": "rollout",
    });
    const row = podStatusRow(p, [policy], T0);
    expect(row).toMatchObject({
      state: "Draining",
      policy: "web",
      inFlight: 7,
      inStateMs: 12_000,
      reason: "rollout",
    });
    expect(row.deadline).toBe(T0 + 90_000);
    expect(row.etaMs).toBe(90_000);
  });

  it("a held removal's ETA includes the extra timeout the hold may take", () => {
    const p = pod("web-5", {
      "quiesce.dev/state": "Settling",
      "quiesce.dev/policy": "web",
      "quiesce.dev/started-at": iso(T0 - 130_000),
      "quiesce.dev/removal-held-at": iso(T0 - 10_000),
    });
    const row = podStatusRow(p, [policy], T0);
    expect(row.deadline).toBe(T0 - 130_000 + 240_000);
    expect(row.etaMs).toBe(110_000);
  });

  it("a serving pod has no ETA; its time in state runs from the serving condition; the policy comes from the selector", () => {
    const row = podStatusRow(pod("web-2"), [policy], T0);
    expect(row).toMatchObject({
      state: "Serving",
      policy: "web",
      serving: true,
      ready: true,
      inStateMs: 300_000,
    });
    expect(row.etaMs).toBeUndefined();
  });

  it("an overdue drain shows ETA 0, never negative; garbage annotations read as Serving", () => {
    const late = pod("web-3", {
      "quiesce.dev/state": "Quiescing",
      "quiesce.dev/started-at": iso(T0 - 500_000),
    });
    expect(podStatusRow(late, [policy], T0).etaMs).toBe(0);
    const junk = pod("web-4", { "quiesce.dev/state": "Nonsense", "quiesce.dev/in-flight": "-1" });
    expect(podStatusRow(junk, [policy], T0)).toMatchObject({ state: "Serving", inFlight: undefined });
  });

  it("renders a kubectl-like table, with NAMESPACE under -A", () => {
    const rows = [
      podStatusRow(
        pod(
          "web-1",
          {
            "quiesce.dev/state": "Draining",
            "quiesce.dev/in-flight": "3",
            "quiesce.dev/started-at": iso(T0 - 10_000),
            "quiesce.dev/phase-entered-at": iso(T0 - 5_000),
          },
          "old",
          false,
        ),
        [policy],
        T0,
      ),
    ];
    rows.push(
      podStatusRow(
        pod(
          "web-2",
          {
            "quiesce.dev/state": "Settling",
            "quiesce.dev/started-at": iso(T0 - 30_000),
            "quiesce.dev/phase-entered-at": iso(T0 - 30_000),
            "quiesce.dev/left-endpoints-at": iso(T0 - 18_000),
            "quiesce.dev/first-accepted": "100",
            "quiesce.dev/first-accepted-at": iso(T0 - 30_000),
            "quiesce.dev/last-accepted": "520",
            "quiesce.dev/last-accepted-at": iso(T0 - 500),
          },
          "old",
          false,
        ),
        [policy],
        T0,
      ),
    );
    expect(renderStatusTable(rows, false).split("\n")).toEqual([
      "POD     POLICY   STATE      READY   IN-FLIGHT   IN-STATE   ETA     DETAIL",
      "web-1   web      Draining   False   3           5s         1m50s",
      "web-2   web      Settling   False   -           30s        1m30s   waiting for traffic to stop: 14 req/s, 18 s after leaving the endpoints",
    ]);
    expect(rows[1]?.trafficAfterLeaving).toEqual({ ratePerSecond: 420 / 29.5, secondsSinceLeaving: 18 });
    expect(renderStatusTable(rows, true).split("\n")[0]).toMatch(/^NAMESPACE {3}POD/);
    expect(renderTable(["A", "B"], [])).toBe("A   B");
  });
});

describe("deletion cost", () => {
  it("shows a DELETION-COST column only when some pod has a valid int32 cost", () => {
    const serving = (name: string, cost?: string) =>
      pod(name, {
        "quiesce.dev/policy": "web",
        ...(cost === undefined ? {} : { "controller.kubernetes.io/pod-deletion-cost": cost }),
      });
    const costs = ["3", "-1000000", "12abc", "99999999999", undefined].map(
      (c, i) => podStatusRow(serving(`web-${i}`, c), [policy], T0).deletionCost,
    );
    expect(costs).toEqual([3, -1000000, undefined, undefined, undefined]);
    const withCost = [serving("web-0", "3"), serving("web-1")].map((p) => podStatusRow(p, [policy], T0));
    const table = renderStatusTable(withCost, false).split("\n");
    expect(table[0]).toMatch(/IN-FLIGHT {3}DELETION-COST {3}IN-STATE/);
    expect(table[1]).toMatch(/^web-0 .* 3 +\S/);
    expect(table[2]).toMatch(/^web-1 .* - +\S/);
    const without = [serving("web-0"), serving("web-1")].map((p) => podStatusRow(p, [policy], T0));
    expect(renderStatusTable(without, false)).not.toMatch(/DELETION-COST/);
  });
});

describe("label selectors", () => {
  it("builds list selectors from matchLabels and matchExpressions", () => {
    expect(
      selectorString({
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "tier", operator: "In", values: ["a", "b"] },
          { key: "x", operator: "DoesNotExist" },
        ],
      }),
    ).toBe("app=web,tier in (a,b),!x");
  });
});

describe("rollout progress", () => {
  const uid = "d-uid";
  const deployment = (
    generation: number,
    observed: number,
    revision: string,
    status: Partial<V1Deployment["status"]> = {},
  ): V1Deployment => ({
    metadata: {
      name: "web",
      namespace: "ns",
      uid,
      generation,
      annotations: { "deployment.kubernetes.io/revision": revision },
    },
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: {} },
    status: { observedGeneration: observed, ...status },
  });
  const rs = (hash: string, revision: string): V1ReplicaSet => ({
    metadata: {
      name: `web-${hash}`,
      labels: { "pod-template-hash": hash },
      annotations: { "deployment.kubernetes.io/revision": revision },
      ownerReferences: [{ uid, apiVersion: "apps/v1", kind: "Deployment", name: "web" }],
    },
  });
  const event = (podName: string, reason: string, at: number): CoreV1Event => ({
    metadata: {},
    involvedObject: { kind: "Pod", name: podName },
    reason,
    lastTimestamp: new Date(at),
  });

  it("counts old pods, drains done, drained and timed out, and completes only when every old pod is gone", () => {
    const tracker = new RolloutTracker(T0, ["web-old-a", "web-old-b"]);
    // The controller has not seen the restart yet: the pods at restart are the old ones.
    let p = tracker.observe({
      workload: deploymentState(deployment(2, 1, "1"), [rs("old", "1")]),
      pods: [pod("web-old-a"), pod("web-old-b")],
      events: [],
      policies: [policy],
      now: T0 + 100,
    });
    expect(p.complete).toBe(false);
    expect(p.drains).toMatchObject({ total: 2, done: 0 });
    // One old pod drains, the other is gone after a drain that timed out.
    const draining = pod("web-old-a", {
      "quiesce.dev/state": "Draining",
      "quiesce.dev/in-flight": "2",
      "quiesce.dev/started-at": iso(T0 + 1000),
      "quiesce.dev/phase-entered-at": iso(T0 + 2000),
    });
    p = tracker.observe({
      workload: deploymentState(
        deployment(2, 2, "2", { updatedReplicas: 2, replicas: 3, availableReplicas: 2 }),
        [rs("old", "1"), rs("new", "2")],
      ),
      pods: [draining, pod("web-new-1", {}, "new"), pod("web-new-2", {}, "new")],
      events: [event("web-old-b", "DrainTimedOut", T0 + 4000), event("web-old-z", "Drained", T0 - 60_000)],
      policies: [policy],
      now: T0 + 5000,
    });
    expect(p.complete).toBe(false);
    expect(p.drains).toMatchObject({ total: 2, done: 1, drained: 0, timedOut: 1 });
    expect(p.drains.active.map((r) => r.pod)).toEqual(["web-old-a"]);
    expect(renderProgress("deployment/web", p)).toBe(
      "deployment/web [##########----------] drains 1/2 done (0 drained, 1 timed out), updated 2/2, available 2/2; " +
        "draining: web-old-a Draining, 2 in flight, 3s, timeout in 1m56s",
    );
    p = tracker.observe({
      workload: deploymentState(
        deployment(2, 2, "2", { updatedReplicas: 2, replicas: 2, availableReplicas: 2 }),
        [rs("old", "1"), rs("new", "2")],
      ),
      pods: [pod("web-new-1", {}, "new"), pod("web-new-2", {}, "new")],
      events: [event("web-old-b", "DrainTimedOut", T0 + 4000), event("web-old-a", "Drained", T0 + 9000)],
      policies: [policy],
      now: T0 + 10_000,
    });
    expect(p.complete).toBe(true);
    expect(p.drains).toMatchObject({ total: 2, done: 2, drained: 1, timedOut: 1 });
    expect(p.timedOutPods).toEqual(["web-old-b"]);
  });

  it("draws the bar proportionally and empty for no drains", () => {
    expect(progressBar(0, 0, 4)).toBe("[----]");
    expect(progressBar(1, 2, 4)).toBe("[##--]");
    expect(progressBar(5, 4, 4)).toBe("[####]");
  });
});

describe("rollouts of StatefulSets and DaemonSets", () => {
  const T = Date.UTC(2026, 0, 1);
  const stsPod = (name: string, revision: string, uid: string): V1Pod => ({
    metadata: { name, uid, namespace: "ns", labels: { app: "db", "controller-revision-hash": revision } },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  });
  const sts = (o: { update: string; current: string; updated: number; ready: number; partition?: number }) =>
    statefulSetState({
      metadata: { name: "db", generation: 2 },
      spec: {
        replicas: 3,
        selector: {},
        serviceName: "db",
        template: {},
        updateStrategy: { rollingUpdate: { partition: o.partition ?? 0 } },
      },
      status: {
        replicas: 3,
        observedGeneration: 2,
        updateRevision: o.update,
        currentRevision: o.current,
        updatedReplicas: o.updated,
        readyReplicas: o.ready,
        availableReplicas: o.ready,
      },
    });

  it("counts a StatefulSet pod replaced under the same name as done, by UID", () => {
    const tracker = new RolloutTracker(T);
    let p = tracker.observe({
      workload: sts({ update: "db-2", current: "db-1", updated: 0, ready: 3 }),
      pods: [stsPod("db-0", "db-1", "a0"), stsPod("db-1", "db-1", "a1"), stsPod("db-2", "db-1", "a2")],
      events: [],
      policies: [],
      now: T + 1000,
    });
    expect(p.drains).toMatchObject({ total: 3, done: 0 });
    // db-2 is back with the new revision and a new UID; its old incarnation drained.
    const drained: CoreV1Event = {
      metadata: {},
      involvedObject: { kind: "Pod", name: "db-2", uid: "a2" },
      reason: "Drained",
      lastTimestamp: new Date(T + 5000),
    };
    p = tracker.observe({
      workload: sts({ update: "db-2", current: "db-1", updated: 1, ready: 3 }),
      pods: [stsPod("db-0", "db-1", "a0"), stsPod("db-1", "db-1", "a1"), stsPod("db-2", "db-2", "b2")],
      events: [drained],
      policies: [],
      now: T + 6000,
    });
    expect(p.drains).toMatchObject({ total: 3, done: 1, drained: 1 });
    expect(p.complete).toBe(false);
    p = tracker.observe({
      workload: sts({ update: "db-2", current: "db-2", updated: 3, ready: 3 }),
      pods: [stsPod("db-0", "db-2", "b0"), stsPod("db-1", "db-2", "b1"), stsPod("db-2", "db-2", "b2")],
      events: [drained],
      policies: [],
      now: T + 20_000,
    });
    expect(p.complete).toBe(true);
    expect(p.drains).toMatchObject({ total: 3, done: 3 });
  });

  it("a partitioned StatefulSet is rolled out once the pods above the partition are updated", () => {
    const w = sts({ update: "db-2", current: "db-1", updated: 1, ready: 3, partition: 2 });
    expect(w.finished).toBe(true);
    expect(w.owns("db-7")).toBe(true);
    expect(w.owns("dbx-1")).toBe(false);
  });

  it("a DaemonSet's current pods carry its newest ControllerRevision's hash", () => {
    const revision = (n: number, hash: string) => ({
      revision: n,
      metadata: {
        name: `proxy-${hash}`,
        labels: { "controller-revision-hash": hash },
        ownerReferences: [{ uid: "ds", apiVersion: "apps/v1", kind: "DaemonSet", name: "proxy" }],
      },
    });
    const w = daemonSetState(
      {
        metadata: { name: "proxy", uid: "ds", generation: 3 },
        status: {
          observedGeneration: 3,
          desiredNumberScheduled: 2,
          currentNumberScheduled: 2,
          numberMisscheduled: 0,
          numberReady: 2,
          updatedNumberScheduled: 2,
          numberAvailable: 2,
        },
      },
      [revision(1, "aaa"), revision(2, "bbb")],
    );
    expect(w.finished).toBe(true);
    expect(w.isCurrent?.(stsPod("proxy-x", "bbb", "u1"))).toBe(true);
    expect(w.isCurrent?.(stsPod("proxy-y", "aaa", "u2"))).toBe(false);
  });
});
