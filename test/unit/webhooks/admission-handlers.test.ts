import { describe, expect, it } from "vitest";
import type { PodView } from "../../../operator/api/pod-view.ts";
import type { PolicyView } from "../../../operator/api/policy-match.ts";
import {
  createMutatePodsHandler,
  createPodDeletionHandler,
  type PodDeletionDeps,
} from "../../../operator/webhooks/admission-handlers.ts";
import {
  type AdmissionRequest,
  admissionRequestSchema,
} from "../../../operator/webhooks/admission-review.ts";
import type { GateEffect } from "../../../operator/webhooks/deletion-gate.ts";
import { pod, policy, review } from "./fixtures.ts";

function request(fields: Record<string, unknown>): AdmissionRequest {
  return admissionRequestSchema.parse((review(fields) as { request: unknown }).request);
}

const eviction = (fields: Record<string, unknown> = {}) =>
  request({
    operation: "CREATE",
    name: "sprout-1",
    subResource: "eviction",
    object: {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: "sprout-1", namespace: "telecom" },
    },
    ...fields,
  });

function deletionDeps(overrides: Partial<PodDeletionDeps> & { pods?: Record<string, PodView> } = {}) {
  const effects: GateEffect[] = [];
  const lookups: string[] = [];
  const pods = overrides.pods ?? { "telecom/sprout-1": pod() };
  const deps: PodDeletionDeps = {
    listPolicies: () => [policy()],
    getPod: async (ns, name) => {
      lookups.push(`${ns}/${name}`);
      return pods[`${ns}/${name}`];
    },
    startDrain: async (e) => void effects.push(e),
    reportDryRun: async (e) => void effects.push(e),
    breakGlassUsed: async (e) => void effects.push(e),
    now: () => new Date("2025-03-04T13:55:31Z"),
    ...overrides,
  };
  return { deps, effects, lookups };
}

describe("createMutatePodsHandler", () => {
  const handler = createMutatePodsHandler({
    listPolicies: (ns) => (ns === "telecom" ? [policy()] : []),
  });
  const selected = {
    metadata: { generateName: "sprout-", labels: { app: "sprout" } },
    spec: { containers: [{ name: "a" }] },
  };

  it("patches a selected pod, using the request's namespace (the pod's may be empty at CREATE)", async () => {
    const verdict = await handler(request({ object: selected }));
    expect(verdict.allowed).toBe(true);
    expect(verdict.patch).toHaveLength(1);
  });

  it("uses the policies of the pod's namespace only", async () => {
    expect(await handler(request({ namespace: "other", object: selected }))).toEqual({ allowed: true });
  });

  it.each([
    ["UPDATE", { operation: "UPDATE" }],
    ["another resource", { resource: { group: "apps", version: "v1", resource: "deployments" } }],
    ["a subresource", { subResource: "status" }],
    ["an unreadable object", { object: { spec: { containers: "nope" } } }],
    ["no object", { object: undefined }],
  ])("leaves %s alone", async (_name, fields) => {
    expect(await handler(request({ object: selected, ...fields }))).toEqual({ allowed: true });
  });
});

describe("createPodDeletionHandler", () => {
  it("DELETE: judges the oldObject without fetching the pod", async () => {
    const { deps, effects, lookups } = deletionDeps();
    const verdict = await createPodDeletionHandler(deps)(
      request({ operation: "DELETE", name: "sprout-1", oldObject: pod() }),
    );
    expect(verdict).toMatchObject({ allowed: false, status: { code: 403, reason: "Forbidden" } });
    expect(lookups).toEqual([]);
    expect(effects).toMatchObject([{ kind: "startDrain", via: "delete", user: { username: "alice" } }]);
  });

  it("DELETE without oldObject: falls back to getPod", async () => {
    const { deps, lookups } = deletionDeps();
    const verdict = await createPodDeletionHandler(deps)(request({ operation: "DELETE", name: "sprout-1" }));
    expect(verdict.allowed).toBe(false);
    expect(lookups).toEqual(["telecom/sprout-1"]);
  });

  it("eviction: fetches the pod and answers 429", async () => {
    const { deps, effects, lookups } = deletionDeps();
    const verdict = await createPodDeletionHandler(deps)(eviction());
    expect(verdict).toMatchObject({ allowed: false, status: { code: 429, reason: "TooManyRequests" } });
    expect(lookups).toEqual(["telecom/sprout-1"]);
    expect(effects).toMatchObject([{ kind: "startDrain", via: "evict", reason: "eviction" }]);
  });

  it("eviction of a pod that does not exist: allowed (the API server answers 404)", async () => {
    const { deps, effects } = deletionDeps({ pods: {} });
    expect(await createPodDeletionHandler(deps)(eviction())).toEqual({ allowed: true });
    expect(effects).toEqual([]);
  });

  it.each([
    ["request.dryRun", eviction({ dryRun: true })],
    [
      "the eviction's deleteOptions.dryRun",
      eviction({
        object: {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: "sprout-1" },
          deleteOptions: { dryRun: ["All"] },
        },
      }),
    ],
    [
      "a DELETE with dryRun",
      request({ operation: "DELETE", name: "sprout-1", oldObject: pod(), dryRun: true }),
    ],
  ])("dry run via %s: same answer, no drain started", async (_name, req) => {
    const { deps, effects } = deletionDeps();
    expect((await createPodDeletionHandler(deps)(req)).allowed).toBe(false);
    expect(effects).toEqual([]);
  });

  it("a drain that cannot be recorded: still denied, and the message says so", async () => {
    const { deps } = deletionDeps({
      startDrain: async () => {
        throw new Error('pods "sprout-1" is forbidden');
      },
    });
    const verdict = await createPodDeletionHandler(deps)(eviction());
    expect(verdict).toMatchObject({ allowed: false, status: { code: 429 } });
    expect(verdict.status?.message).toContain(
      'could not start draining the pod (pods "sprout-1" is forbidden)',
    );
  });

  it("a failed DryRun report or break-glass Event does not change the answer", async () => {
    const fail = async () => {
      throw new Error("events forbidden");
    };
    const dry = deletionDeps({ listPolicies: () => [policy({ mode: "DryRun" })], reportDryRun: fail });
    expect(await createPodDeletionHandler(dry.deps)(eviction())).toEqual({ allowed: true });
    const glass = deletionDeps({
      pods: { "telecom/sprout-1": pod({ annotations: { "quiesce.dev/break-glass": "INC-1" } }) },
      breakGlassUsed: fail,
    });
    expect(await createPodDeletionHandler(glass.deps)(eviction())).toEqual({ allowed: true });
  });

  it.each([
    ["pod CREATE", request({ operation: "CREATE", object: pod() })],
    ["pod UPDATE", request({ operation: "UPDATE", object: pod(), oldObject: pod() })],
    ["another subresource", eviction({ subResource: "binding" })],
    [
      "another group",
      request({ operation: "DELETE", resource: { group: "x.io", version: "v1", resource: "pods" } }),
    ],
  ])("%s: allowed untouched", async (_name, req) => {
    const { deps, effects, lookups } = deletionDeps();
    expect(await createPodDeletionHandler(deps)(req)).toEqual({ allowed: true });
    expect([...effects, ...lookups]).toEqual([]);
  });

  it("getPod failing: the error propagates (the server answers 500 and failurePolicy applies)", async () => {
    const { deps } = deletionDeps({
      getPod: async () => {
        throw new Error("cache not synced");
      },
    });
    await expect(createPodDeletionHandler(deps)(eviction())).rejects.toThrow("cache not synced");
  });

  it("policies are only listed for an existing pod", async () => {
    const listed: string[] = [];
    const { deps } = deletionDeps({
      pods: {},
      listPolicies: (ns): PolicyView[] => {
        listed.push(ns);
        return [];
      },
    });
    await createPodDeletionHandler(deps)(eviction());
    expect(listed).toEqual([]);
  });
});
