import { describe, expect, it } from "vitest";
import type { RemovalVia } from "../../../operator/api/pod-annotations.ts";
import type { PodView } from "../../../operator/api/pod-view.ts";
import type { PolicyView } from "../../../operator/api/policy-match.ts";
import {
  decideDeletion,
  formatDeadline,
  type GateDecision,
  type GateUser,
} from "../../../operator/webhooks/deletion-gate.ts";
import { pod, policy } from "./fixtures.ts";

const NOW = new Date("2025-03-04T13:55:31.250Z");
const ALICE: GateUser = { username: "alice", groups: ["system:authenticated"] };
const GC: GateUser = { username: "system:serviceaccount:kube-system:generic-garbage-collector" };
const OPERATOR: GateUser = { username: "system:serviceaccount:quiesce-system:quiesce-operator" };

function decide(
  p: PodView | undefined,
  policies: PolicyView[] = [policy()],
  options: { via?: RemovalVia; dryRun?: boolean; user?: GateUser } = {},
): GateDecision {
  return decideDeletion({
    via: options.via ?? "delete",
    pod: p,
    policies,
    user: options.user ?? ALICE,
    dryRun: options.dryRun ?? false,
    now: NOW,
  });
}

function state(phase: string, extra: Record<string, string> = {}): Record<string, string> {
  return { "quiesce.dev/state": phase, "quiesce.dev/policy": "sprout", ...extra };
}

type Expected = { allowed: true; reason: string } | { allowed: false; code: 403 | 429 };

describe("decideDeletion: allow and deny rules", () => {
  const cases: Array<[string, PodView | undefined, PolicyView[], RemovalVia, Expected, string[]]> = [
    ["pod gone", undefined, [policy()], "delete", { allowed: true, reason: "pod-not-found" }, []],
    ["no policy", pod(), [], "delete", { allowed: true, reason: "not-selected" }, []],
    [
      "policy selects other pods",
      pod({ labels: { app: "x" } }),
      [policy()],
      "delete",
      { allowed: true, reason: "not-selected" },
      [],
    ],
    [
      "already terminating",
      pod({ deletionTimestamp: "2025-03-04T13:50:00Z" }),
      [policy()],
      "delete",
      { allowed: true, reason: "terminating" },
      [],
    ],
    [
      "drain finished: Drained (the operator's own delete)",
      pod({ annotations: state("Drained") }),
      [policy()],
      "delete",
      { allowed: true, reason: "drain-finished" },
      [],
    ],
    [
      "drain finished: TimedOut",
      pod({ annotations: state("TimedOut") }),
      [policy()],
      "evict",
      { allowed: true, reason: "drain-finished" },
      [],
    ],
    [
      "not running: Pending",
      pod({ phase: "Pending", ready: false }),
      [policy()],
      "delete",
      { allowed: true, reason: "not-running" },
      [],
    ],
    [
      "not running: Succeeded",
      pod({ phase: "Succeeded", ready: false }),
      [policy()],
      "evict",
      { allowed: true, reason: "not-running" },
      [],
    ],
    [
      "running but not Ready",
      pod({ ready: false }),
      [policy()],
      "delete",
      { allowed: true, reason: "not-ready" },
      [],
    ],
    [
      "DryRun policy only",
      pod(),
      [policy({ mode: "DryRun" })],
      "delete",
      { allowed: true, reason: "dry-run-policy" },
      ["dryRunReport"],
    ],
    [
      "DryRun policy, pod not Ready: no report",
      pod({ ready: false }),
      [policy({ mode: "DryRun" })],
      "delete",
      { allowed: true, reason: "not-ready" },
      [],
    ],
    [
      "DryRun policy, pod not running: no report",
      pod({ phase: "Pending" }),
      [policy({ mode: "DryRun" })],
      "delete",
      { allowed: true, reason: "not-running" },
      [],
    ],
    [
      "break-glass",
      pod({ annotations: { "quiesce.dev/break-glass": "INC-42 stuck drain" } }),
      [policy()],
      "delete",
      { allowed: true, reason: "break-glass" },
      ["breakGlassUsed"],
    ],
    [
      "break-glass mid-drain",
      pod({ ready: false, annotations: state("Draining", { "quiesce.dev/break-glass": "INC-42" }) }),
      [policy()],
      "evict",
      { allowed: true, reason: "break-glass" },
      ["breakGlassUsed"],
    ],
    [
      "blank break-glass does not count",
      pod({ annotations: { "quiesce.dev/break-glass": "  " } }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      ["startDrain"],
    ],
    [
      "serving pod, delete: deny and start",
      pod(),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      ["startDrain"],
    ],
    [
      "serving pod, eviction: 429 and start",
      pod(),
      [policy()],
      "evict",
      { allowed: false, code: 429 },
      ["startDrain"],
    ],
    [
      "explicit Serving state: deny and start",
      pod({ annotations: state("Serving") }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      ["startDrain"],
    ],
    [
      "Requested, NotReady by our gate: still denied, no new start",
      pod({ ready: false, annotations: state("Requested") }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      [],
    ],
    [
      "Settling",
      pod({ ready: false, annotations: state("Settling") }),
      [policy()],
      "evict",
      { allowed: false, code: 429 },
      [],
    ],
    [
      "Quiescing",
      pod({ ready: false, annotations: state("Quiescing") }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      [],
    ],
    [
      "Draining",
      pod({ ready: false, annotations: state("Draining") }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      [],
    ],
    [
      "Unquiescing (NotReady by our gate): deny and start again",
      pod({ ready: false, annotations: state("Unquiescing") }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      ["startDrain"],
    ],
    [
      "garbage state annotation reads as Serving",
      pod({ annotations: { "quiesce.dev/state": "Bogus" } }),
      [policy()],
      "delete",
      { allowed: false, code: 403 },
      ["startDrain"],
    ],
    [
      "drain in progress but the policy is gone: allowed",
      pod({ ready: false, annotations: state("Draining") }),
      [],
      "delete",
      { allowed: true, reason: "not-selected" },
      [],
    ],
    [
      "Enforce wins over DryRun",
      pod(),
      [policy({ name: "dry", mode: "DryRun" }), policy({ name: "real" })],
      "delete",
      { allowed: false, code: 403 },
      ["startDrain"],
    ],
  ];

  it.each(cases)("%s", (_name, p, policies, via, expected, effectKinds) => {
    const decision = decide(p, policies, { via });
    if (expected.allowed) {
      expect(decision).toMatchObject({ allowed: true, reason: expected.reason });
    } else {
      expect(decision).toMatchObject({ allowed: false, code: expected.code });
    }
    expect(decision.effects.map((e) => e.kind)).toEqual(effectKinds);
  });

  it.each(cases)("dryRun request: %s -> same answer, no effects", (_name, p, policies, via) => {
    const real = decide(p, policies, { via });
    const dry = decide(p, policies, { via, dryRun: true });
    expect({ ...dry, effects: undefined }).toEqual({ ...real, effects: undefined });
    expect(dry.effects).toEqual([]);
  });
});

describe("decideDeletion: effects", () => {
  it("startDrain names the pod, policy, reason, removal path, time and requester", () => {
    const decision = decide(pod(), [policy()], { via: "evict" });
    expect(decision.effects).toEqual([
      {
        kind: "startDrain",
        pod: { namespace: "telecom", name: "sprout-1" },
        policy: "sprout",
        reason: "eviction",
        via: "evict",
        requestedAt: NOW,
        user: ALICE,
      },
    ]);
  });

  it("the garbage collector's delete is an ordinary delete: it starts a drain", () => {
    const decision = decide(pod(), [policy()], { user: GC });
    expect(decision).toMatchObject({ allowed: false, code: 403 });
    expect(decision.effects).toMatchObject([
      { kind: "startDrain", reason: "delete", via: "delete", user: GC },
    ]);
  });

  it("the operator's own identity gets no pass: only the recorded outcome lets it through", () => {
    expect(decide(pod(), [policy()], { user: OPERATOR })).toMatchObject({ allowed: false });
    expect(decide(pod({ annotations: state("Drained") }), [policy()], { user: OPERATOR })).toMatchObject({
      allowed: true,
      reason: "drain-finished",
    });
  });

  it("break-glass reports who removed the pod, why, and under which policy", () => {
    const p = pod({ annotations: { "quiesce.dev/break-glass": " INC-42 " } });
    expect(decide(p, [policy()], { via: "evict" }).effects).toEqual([
      {
        kind: "breakGlassUsed",
        pod: { namespace: "telecom", name: "sprout-1" },
        policy: "sprout",
        via: "evict",
        user: ALICE,
        reason: "INC-42",
        at: NOW,
      },
    ]);
  });

  it("a DryRun report lists every DryRun policy selecting the pod", () => {
    const decision = decide(pod(), [
      policy({ name: "b", mode: "DryRun" }),
      policy({ name: "a", mode: "DryRun" }),
    ]);
    expect(decision.effects).toEqual([
      {
        kind: "dryRunReport",
        pod: { namespace: "telecom", name: "sprout-1" },
        policies: ["a", "b"],
        reason: "delete",
        via: "delete",
        at: NOW,
        user: ALICE,
      },
    ]);
  });

  it("overlapping Enforce policies: the first by name drives a new drain; the recorded one keeps its drain", () => {
    const both = [policy({ name: "zeta" }), policy({ name: "alpha" })];
    expect(decide(pod(), both).effects).toMatchObject([{ policy: "alpha" }]);
    const recorded = pod({ ready: false, annotations: state("Draining", { "quiesce.dev/policy": "zeta" }) });
    const decision = decide(recorded, both);
    expect(decision.allowed === false && decision.message).toContain("QuiescePolicy telecom/zeta");
  });
});

describe("decideDeletion: the message a person reads", () => {
  function message(p: PodView, policies: PolicyView[] = [policy()], via: RemovalVia = "delete"): string {
    const decision = decide(p, policies, { via });
    if (decision.allowed) throw new Error(`expected a denial, got ${decision.reason}`);
    return decision.message;
  }

  it("draining with a known in-flight count: count and deadline from started-at", () => {
    const p = pod({
      ready: false,
      annotations: state("Draining", {
        "quiesce.dev/started-at": "2025-03-04T13:55:31Z",
        "quiesce.dev/in-flight": "12",
      }),
    });
    expect(message(p)).toBe(
      "pod is draining under QuiescePolicy telecom/sprout: 12 in flight, deleted when drained or by 14:05:31Z; " +
        'to remove it now: kubectl annotate pod -n telecom sprout-1 quiesce.dev/break-glass="<reason>"',
    );
  });

  it("a held removal: says so, and its deadline is one timeout later", () => {
    const p = pod({
      ready: false,
      annotations: state("Settling", {
        "quiesce.dev/started-at": "2025-03-04T13:45:31Z",
        "quiesce.dev/removal-held-at": "2025-03-04T13:55:31Z",
      }),
    });
    expect(message(p)).toMatch(
      /^pod is draining under QuiescePolicy telecom\/sprout: removal held while a Service still routes to it, deleted when drained or by 14:05:31Z;/,
    );
  });

  it("a new drain: no stale in-flight count, deadline from now", () => {
    const p = pod({ annotations: { "quiesce.dev/in-flight": "99" } });
    expect(message(p)).toMatch(
      /^pod is draining under QuiescePolicy telecom\/sprout: deleted when drained or by 14:05:31Z;/,
    );
  });

  it("a drain that began with an eviction says evicted", () => {
    const p = pod({ ready: false, annotations: state("Quiescing", { "quiesce.dev/removal-via": "evict" }) });
    expect(message(p, [policy()], "delete")).toContain("evicted when drained");
    expect(message(pod(), [policy()], "evict")).toContain("evicted when drained");
  });

  it("onTimeout: Keep says the pod stays", () => {
    expect(message(pod(), [policy({ onTimeout: "Keep" })])).toContain(
      "deleted when drained (kept if still busy at 14:05:31Z, onTimeout: Keep)",
    );
  });

  it("waiting for the budget: says why and how long the drain may take", () => {
    const p = pod({
      ready: false,
      annotations: state("Requested", { "quiesce.dev/refusal": "minServing 1: no other pod is serving" }),
    });
    expect(message(p, [policy({ timeoutSeconds: 120 })])).toMatch(
      /^pod is waiting to drain under QuiescePolicy telecom\/sprout \(minServing 1: no other pod is serving\): deleted when drained, at most 120s after its drain starts;/,
    );
  });

  it("a deadline on another day carries the date", () => {
    expect(message(pod(), [policy({ timeoutSeconds: 86_400 })])).toContain("by 2025-03-05T13:55:31Z");
  });
  it("a recorded request without a refusal reads as a drain with its deadline, not as waiting", () => {
    // Store.Delete retries its update on fresh state after a denial, so the webhook sees the Requested state the
    // first call wrote: that answer must still say when the pod goes.
    const requestedAt = "2025-03-04T13:55:31.000Z";
    const p = pod({ annotations: state("Requested", { "quiesce.dev/requested-at": requestedAt }) });
    const text = message(p, [policy({ timeoutSeconds: 600 })]);
    expect(text).toMatch(
      /^pod is draining under QuiescePolicy telecom\/sprout: deleted when drained or by 14:05:31Z;/,
    );
  });
});

describe("formatDeadline", () => {
  it.each([
    ["2025-03-04T14:05:31.999Z", "14:05:31Z"],
    ["2025-03-04T00:00:00.000Z", "00:00:00Z"],
    ["2025-03-05T00:00:01.000Z", "2025-03-05T00:00:01Z"],
  ])("%s -> %s", (iso, expected) => {
    expect(formatDeadline(new Date(iso), NOW)).toBe(expected);
  });
});

describe("decideDeletion: pods without the readiness gate", () => {
  const gated = (p: PodView): PodView => ({
    ...p,
    spec: { containers: [{ name: "app" }], readinessGates: [{ conditionType: "quiesce.dev/serving" }] },
  });
  const withRoute = (p: PodView, routedByService: boolean) =>
    decideDeletion({
      via: "delete",
      pod: p,
      policies: [policy()],
      user: ALICE,
      dryRun: false,
      now: NOW,
      routedByService,
    });

  it("lets an ungated pod a Service routes to go: a drain could not take it out of the endpoints", () => {
    expect(withRoute(pod(), true)).toMatchObject({ allowed: true, reason: "ungated", effects: [] });
  });

  it("drains an ungated pod no Service routes to (a queue worker): nothing to take it out of", () => {
    const d = withRoute(pod(), false);
    expect(d).toMatchObject({ allowed: false, code: 403 });
    expect(d.effects.map((e) => e.kind)).toEqual(["startDrain"]);
  });

  it("drains a gated pod a Service routes to", () => {
    const d = withRoute(gated(pod()), true);
    expect(d).toMatchObject({ allowed: false, code: 403 });
    expect(d.effects.map((e) => e.kind)).toEqual(["startDrain"]);
  });

  it("keeps denying an ungated pod whose drain already runs", () => {
    expect(withRoute(pod({ annotations: state("Draining") }), true)).toMatchObject({ allowed: false });
  });
});
