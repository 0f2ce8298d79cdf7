// QuiescePolicy zod schema: valid specs with defaults, and a table of invalid ones with their messages.
import { describe, expect, it } from "vitest";
import { parsePolicySpec, quiescePolicySchema } from "../../../operator/api/quiesce-policy.ts";
import { INVALID_POLICIES } from "./invalid-policies.ts";

describe("QuiescePolicy spec", () => {
  it("fills every default for a minimal spec", () => {
    const r = parsePolicySpec({
      selector: { matchLabels: { app: "sprout" } },
      drain: { timeoutSeconds: 600 },
    });
    expect(r).toEqual({
      ok: true,
      spec: {
        selector: { matchLabels: { app: "sprout" } },
        mode: "Enforce",
        drain: {
          timeoutSeconds: 600,
          pollIntervalSeconds: 1,
          settleSeconds: 10,
          maxSettleSeconds: 120,
          onTimeout: "Delete",
          injectPreStop: false,
        },
        budget: { maxConcurrent: 1, minServing: 1 },
        scaleIn: { preferIdle: false, pollIntervalSeconds: 10 },
      },
    });
  });

  it.each([0, 3601, 1.5])("rejects scaleIn.pollIntervalSeconds %s", (pollIntervalSeconds) => {
    const spec = {
      selector: { matchLabels: { a: "b" } },
      drain: { timeoutSeconds: 60 },
      scaleIn: { preferIdle: true, pollIntervalSeconds },
    };
    expect(parsePolicySpec(spec)).toMatchObject({ ok: false, errors: [expect.stringContaining("scaleIn")] });
  });

  it("accepts the DESIGN example and fills endpoint defaults", () => {
    const r = parsePolicySpec({
      selector: {
        matchExpressions: [
          { key: "app", operator: "In", values: ["sprout"] },
          { key: "tier", operator: "Exists" },
        ],
      },
      mode: "DryRun",
      endpoint: { port: "admin", tokenSecretRef: { name: "quiesce-token", key: "token" } },
      drain: { timeoutSeconds: 5, settleSeconds: 2, pollIntervalSeconds: 5, onTimeout: "Keep" },
      budget: { maxConcurrent: "25%", minServing: 0 },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.endpoint).toEqual({
      port: "admin",
      path: "/quiesce",
      scheme: "HTTP",
      tokenSecretRef: { name: "quiesce-token", key: "token" },
      requestTimeoutSeconds: 2,
    });
    expect(r.spec.budget).toEqual({ maxConcurrent: "25%", minServing: 0 });
  });

  it.each([8081, 1, 65535, "admin", "http-admin", "a1"])("accepts port %s", (port) => {
    expect(
      parsePolicySpec({
        selector: { matchLabels: { a: "b" } },
        endpoint: { port },
        drain: { timeoutSeconds: 60 },
      }).ok,
    ).toBe(true);
  });

  it.each(["1%", "25%", "100%", 1, 7])("accepts maxConcurrent %s", (maxConcurrent) => {
    const spec = {
      selector: { matchLabels: { a: "b" } },
      drain: { timeoutSeconds: 60 },
      budget: { maxConcurrent },
    };
    expect(parsePolicySpec(spec).ok).toBe(true);
  });

  it("has at least 10 invalid cases", () => {
    expect(INVALID_POLICIES.length).toBeGreaterThanOrEqual(10);
  });

  it.each(INVALID_POLICIES.map((c) => [c.name, c] as const))("rejects %s", (_name, c) => {
    const r = parsePolicySpec(c.spec);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const hit = r.errors.find((e) => e.startsWith(`spec.${c.path}: `));
    expect(hit, `errors: ${r.errors.join(" | ")}`).toBeDefined();
    expect(hit).toContain(c.message);
  });

  it("parses a whole object and keeps unknown metadata", () => {
    const obj = quiescePolicySchema.parse({
      apiVersion: "quiesce.dev/v1alpha1",
      kind: "QuiescePolicy",
      metadata: { name: "sprout", namespace: "telecom", generation: 3, labels: { a: "b" } },
      spec: { selector: { matchLabels: { app: "sprout" } }, drain: { timeoutSeconds: 600 } },
      status: { observedGeneration: 3, pods: { matched: 6, serving: 5, quiescing: 1 } },
    });
    expect(obj.metadata.labels).toEqual({ a: "b" });
    expect(obj.status?.pods?.matched).toBe(6);
  });
});
