// Imports point down the layers (api <- runtime <- adapters <- domain <- app <- cli), and test/ never imports hack/.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importGraph, importViolation, layerViolations } from "../../harness/import-layers.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));

describe("import layers", () => {
  it.each([
    ["operator/kube/cache.ts", "operator/runtime/work-queue.ts", false],
    ["operator/runtime/work-queue.ts", "operator/kube/cache.ts", true],
    ["operator/controllers/drain/step.ts", "operator/webhooks/deletion-gate.ts", true],
    ["operator/webhooks/deletion-gate.ts", "operator/controllers/drain/step.ts", true],
    ["operator/controllers/drain/pod-controller.ts", "operator/controllers/workloads/workload.ts", false],
    ["operator/app/wire.ts", "operator/controllers/drain/pod-controller.ts", false],
    ["operator/cli/plugin/status-command.ts", "operator/kube/pods.ts", false],
    ["operator/cli/plugin/status-command.ts", "operator/controllers/workloads/workload.ts", true],
    ["operator/sdk/endpoint.ts", "operator/protocol/quiesce-protocol.ts", false],
    ["operator/sdk/endpoint.ts", "operator/api/pod-annotations.ts", true],
    ["operator/app/controllers.ts", "operator/sdk/index.ts", true],
    ["operator/api/pod-view.ts", "operator/kube/pods.ts", true],
    ["test/unit/x.test.ts", "hack/demo/main.ts", true],
    ["hack/demo/main.ts", "test/harness/wait-for.ts", false],
  ])("%s -> %s breaks a rule: %s", (from, to, broken) => {
    expect(importViolation(from, to) !== undefined).toBe(broken);
  });

  it("reads the real import graph", () => {
    const graph = importGraph(root);
    expect(graph.length).toBeGreaterThan(500);
    expect(graph).toContainEqual(
      expect.objectContaining({ from: "operator/kube/cache.ts", to: "operator/kube/informer.ts" }),
    );
  });

  it("has no import that points up a layer", () => {
    expect(layerViolations(root)).toEqual([]);
  });
});
