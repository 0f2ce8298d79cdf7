// The policy controller never loses a finished drain recorded while its status write is in flight.
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { objectKey } from "../../../operator/api/object-key.ts";
import type { QuiescePolicyStatus } from "../../../operator/api/quiesce-policy.ts";
import { canonicalJson, PolicyController } from "../../../operator/controllers/policy/policy-controller.ts";
import type { ClusterCache } from "../../../operator/kube/cache.ts";
import { policy } from "./pods.ts";

function setup() {
  const p = policy("web");
  const writes: QuiescePolicyStatus[] = [];
  let release: () => void = () => {};
  const gate = { blocked: false };
  const custom = {
    patchNamespacedCustomObjectStatus: async (req: { body: { status: QuiescePolicyStatus } }) => {
      writes.push(req.body.status);
      if (gate.blocked)
        await new Promise<void>((r) => {
          release = r;
        });
      p.status = req.body.status;
      return {};
    },
  } as unknown as CustomObjectsApi;
  const list = <T>(items: T[]) => ({ list: () => items, get: () => items[0] });
  const cache = {
    policies: list([p]),
    pods: list([]),
    deployments: list([]),
  } as unknown as ClusterCache;
  const controller = new PolicyController({
    cache,
    custom,
    logger: pino({ level: "silent" }),
    now: () => new Date("2030-01-01T00:00:00Z"),
    onWrite: () => {},
  });
  return { controller, writes, gate, release: () => release() };
}

describe("PolicyController counters", () => {
  it("keeps a drain that finished during a status write for the next write", async () => {
    const { controller, writes, gate, release } = setup();
    await controller.reconcile("ns/web");
    gate.blocked = true;
    controller.recordOutcome(objectKey("ns", "web"), "drained");
    const first = controller.reconcile("ns/web");
    await new Promise((r) => setTimeout(r, 0));
    controller.recordOutcome(objectKey("ns", "web"), "timed_out"); // arrives while the write is in flight
    release();
    await first;
    gate.blocked = false;
    await controller.reconcile("ns/web");
    expect(writes.at(-1)?.drains).toEqual({ completed: 1, timedOut: 1 });
  });

  it("does not write a status that only differs in key order", async () => {
    const { controller, writes } = setup();
    await controller.reconcile("ns/web");
    const count = writes.length;
    await controller.reconcile("ns/web");
    expect(writes.length).toBe(count);
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: [2, { e: 0, f: 1 }] }, b: 1 }),
    );
  });
});
