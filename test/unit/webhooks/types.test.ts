// Compile-time contract: the lead's objects (client-node V1Pod, the API's QuiescePolicy) fit the webhook views.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { PodView } from "../../../operator/api/pod-view.ts";
import type { PolicyView } from "../../../operator/api/policy-match.ts";
import type { QuiescePolicy } from "../../../operator/api/quiesce-policy.ts";
import { decideDeletion } from "../../../operator/webhooks/deletion-gate.ts";

describe("view types", () => {
  it("a client-node V1Pod (Date timestamps) and a QuiescePolicy are accepted as they are", () => {
    const pod: V1Pod = {
      metadata: { name: "p", namespace: "n", labels: { app: "a" }, deletionTimestamp: new Date() },
      spec: { containers: [{ name: "c" }] },
      status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
    };
    const qp: QuiescePolicy = {
      apiVersion: "quiesce.dev/v1alpha1",
      kind: "QuiescePolicy",
      metadata: { name: "q", namespace: "n" },
      spec: {
        selector: { matchLabels: { app: "a" } },
        mode: "Enforce",
        drain: {
          timeoutSeconds: 60,
          pollIntervalSeconds: 1,
          settleSeconds: 5,
          maxSettleSeconds: 120,
          onTimeout: "Delete",
          injectPreStop: false,
        },
        budget: { maxConcurrent: 1, minServing: 1 },
        scaleIn: { preferIdle: false, pollIntervalSeconds: 10 },
      },
    };
    const view: PodView = pod;
    const policies: PolicyView[] = [qp];
    const decision = decideDeletion({
      via: "delete",
      pod: view,
      policies,
      user: {},
      dryRun: false,
      now: new Date(),
    });
    expect(decision).toMatchObject({ allowed: true, reason: "terminating" });
  });
});
