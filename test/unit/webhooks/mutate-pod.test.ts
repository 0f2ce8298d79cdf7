import { describe, expect, it } from "vitest";
import type { PodView } from "../../../operator/api/pod-view.ts";
import type { PolicyView } from "../../../operator/api/policy-match.ts";
import type { QuiescePolicy } from "../../../operator/api/quiesce-policy.ts";
import { mutatePod } from "../../../operator/webhooks/mutate-pod.ts";
import { policy } from "./fixtures.ts";

const GATE = { conditionType: "quiesce.dev/serving" };

function newPod(spec: Partial<NonNullable<PodView["spec"]>> = {}, labels = { app: "sprout" }): PodView {
  // As at CREATE with generateName: no name, often no namespace.
  return {
    metadata: { generateName: "sprout-7d9-", labels },
    spec: { containers: [{ name: "app" }], ...spec },
  };
}

describe("mutatePod: readiness gate", () => {
  const cases: Array<[string, PodView, PolicyView[], unknown[]]> = [
    ["no policy: nothing", newPod(), [], []],
    ["policy does not select: nothing", newPod({}, { app: "other" }), [policy()], []],
    ["DryRun policy: nothing (DryRun gates nothing)", newPod(), [policy({ mode: "DryRun" })], []],
    [
      "selected, no gates yet: creates the list",
      newPod(),
      [policy()],
      [{ op: "add", path: "/spec/readinessGates", value: [GATE] }],
    ],
    [
      "selected, other gates: appends",
      newPod({ readinessGates: [{ conditionType: "example.com/other" }] }),
      [policy()],
      [{ op: "add", path: "/spec/readinessGates/-", value: GATE }],
    ],
    [
      "selected, empty gates list: appends",
      newPod({ readinessGates: [] }),
      [policy()],
      [{ op: "add", path: "/spec/readinessGates/-", value: GATE }],
    ],
    ["gate already present (reinvocation): nothing", newPod({ readinessGates: [GATE] }), [policy()], []],
    [
      "two Enforce policies overlap: gate injected once",
      newPod(),
      [policy({ name: "b" }), policy({ name: "a" })],
      [{ op: "add", path: "/spec/readinessGates", value: [GATE] }],
    ],
    [
      "Enforce and DryRun both select: gate (the Enforce one decides)",
      newPod(),
      [policy({ name: "dry", mode: "DryRun" }), policy({ name: "real" })],
      [{ op: "add", path: "/spec/readinessGates", value: [GATE] }],
    ],
  ];
  it.each(cases)("%s", (_name, pod, policies, patch) => {
    expect(mutatePod(pod, policies).patch).toEqual(patch);
  });

  it("reports every Enforce policy selecting the pod, sorted, so the overlap is visible", () => {
    const { enforcing } = mutatePod(newPod(), [
      policy({ name: "b" }),
      policy({ name: "dry", mode: "DryRun" }),
      policy({ name: "a" }),
      policy({ name: "c", matchLabels: { app: "other" } }),
    ]);
    expect(enforcing.map((p) => p.metadata?.name)).toEqual(["a", "b"]);
  });

  it("accepts the API's QuiescePolicy type", () => {
    const qp: QuiescePolicy = {
      apiVersion: "quiesce.dev/v1alpha1",
      kind: "QuiescePolicy",
      metadata: { name: "sprout", namespace: "telecom" },
      spec: {
        selector: { matchLabels: { app: "sprout" } },
        mode: "Enforce",
        drain: {
          timeoutSeconds: 60,
          pollIntervalSeconds: 1,
          settleSeconds: 5,
          maxSettleSeconds: 120,
          onTimeout: "Delete",
          injectPreStop: true,
        },
        budget: { maxConcurrent: 1, minServing: 1 },
        scaleIn: { preferIdle: false, pollIntervalSeconds: 10 },
      },
    };
    expect(mutatePod(newPod(), [qp]).patch).toHaveLength(2);
  });
});

describe("mutatePod: preStop injection", () => {
  const gateOp = { op: "add", path: "/spec/readinessGates", value: [GATE] };
  const sleep = (seconds: number) => ({ sleep: { seconds } });
  const withPreStop = policy({ injectPreStop: true, settleSeconds: 10 });

  const cases: Array<[string, PodView, PolicyView[], unknown[]]> = [
    ["off by default", newPod(), [policy()], [gateOp]],
    [
      "container without lifecycle: adds lifecycle",
      newPod(),
      [withPreStop],
      [gateOp, { op: "add", path: "/spec/containers/0/lifecycle", value: { preStop: sleep(10) } }],
    ],
    [
      "container with lifecycle but no preStop: adds preStop only",
      newPod({ containers: [{ name: "app", lifecycle: { postStart: {} } as { preStop?: unknown } }] }),
      [withPreStop],
      [gateOp, { op: "add", path: "/spec/containers/0/lifecycle/preStop", value: sleep(10) }],
    ],
    [
      "the app's own preStop is never replaced",
      newPod({
        containers: [
          { name: "app", lifecycle: { preStop: { exec: { command: ["x"] } } } },
          { name: "sidecar" },
        ],
      }),
      [withPreStop],
      [gateOp, { op: "add", path: "/spec/containers/1/lifecycle", value: { preStop: sleep(10) } }],
    ],
    [
      "kept below the grace period",
      newPod({ terminationGracePeriodSeconds: 5 }),
      [withPreStop],
      [gateOp, { op: "add", path: "/spec/containers/0/lifecycle", value: { preStop: sleep(4) } }],
    ],
    [
      "no sleep when the grace period leaves no room",
      newPod({ terminationGracePeriodSeconds: 1 }),
      [withPreStop],
      [gateOp],
    ],
    [
      "no sleep when settleSeconds is 0",
      newPod(),
      [policy({ injectPreStop: true, settleSeconds: 0 })],
      [gateOp],
    ],
    [
      "overlapping policies: the longest settle of those that ask for it",
      newPod({ terminationGracePeriodSeconds: 120 }),
      [
        policy({ name: "a", injectPreStop: true, settleSeconds: 7 }),
        policy({ name: "b", settleSeconds: 90 }),
      ],
      [gateOp, { op: "add", path: "/spec/containers/0/lifecycle", value: { preStop: sleep(7) } }],
    ],
    ["DryRun policy asking for it: nothing", newPod(), [policy({ mode: "DryRun", injectPreStop: true })], []],
    [
      "reinvocation after everything was added: nothing",
      newPod({ readinessGates: [GATE], containers: [{ name: "app", lifecycle: { preStop: sleep(10) } }] }),
      [withPreStop],
      [],
    ],
  ];
  it.each(cases)("%s", (_name, pod, policies, patch) => {
    expect(mutatePod(pod, policies).patch).toEqual(patch);
  });
});
