// What wakes the scale-in controller: its pods (held to their polls), spec changes of policies (at once), never a
// policy status write, and a new leader.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { QuiescePolicy } from "../../../operator/api/quiesce-policy.ts";
import { COST_BUCKET_ANNOTATION } from "../../../operator/controllers/scale-in/deletion-cost.ts";
import { scaleInTriggers } from "../../../operator/controllers/scale-in/scale-in-triggers.ts";
import { pod } from "../controllers/pods.ts";
import { MemoryStore } from "../drain/fake-cluster.ts";
import { scaleInPolicy } from "./fixtures.ts";

type Handler<T> = (object: T, old?: T) => void;

/** A store that also hands its events to the handlers, like an informer. */
class Watched<T extends V1Pod | QuiescePolicy> extends MemoryStore<T> {
  private readonly handlers = new Map<string, Handler<T>[]>();
  on = (event: "add" | "update" | "delete", handler: Handler<T>) => {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  };
  emit(event: "add" | "update" | "delete", object: T, old?: T) {
    if (event === "delete") this.delete(object.metadata?.namespace ?? "", object.metadata?.name ?? "");
    else this.put(object);
    for (const h of this.handlers.get(event) ?? []) h(object, old);
  }
}

function setup() {
  const pods = new Watched<V1Pod>([
    pod("idle"),
    pod("marked", { labels: { app: "other" }, annotations: { [COST_BUCKET_ANNOTATION]: "1" } }),
    pod("unrelated", { labels: { app: "other" } }),
  ]);
  const policy = scaleInPolicy();
  const policies = new Watched<QuiescePolicy>([policy]);
  const calls: string[] = [];
  const triggers = scaleInTriggers(
    { pods, policies },
    { add: (k) => calls.push(`add ${k}`), wake: (k) => calls.push(`wake ${k}`) },
  );
  triggers.watch();
  return { pods, policies, policy, calls, triggers };
}

describe("scaleInTriggers", () => {
  it("adds the pods of a preferIdle policy and the pods carrying its cost, not the others", () => {
    const t = setup();
    t.triggers.resync();
    expect(t.calls).toEqual(["add ns/idle", "add ns/marked"]);
    t.calls.length = 0;
    for (const name of ["idle", "unrelated"]) t.pods.emit("update", t.pods.get("ns", name) as V1Pod);
    expect(t.calls).toEqual(["add ns/idle"]);
  });

  it("wakes them when a policy's spec changes or it goes, but not for a status write", () => {
    const t = setup();
    t.policies.emit(
      "update",
      { ...t.policy, status: { pods: { matched: 1, serving: 1, quiescing: 0 } } },
      t.policy,
    );
    expect(t.calls).toEqual([]);
    const off = scaleInPolicy({ preferIdle: false });
    t.policies.emit("update", off, t.policy);
    expect(t.calls).toEqual(["wake ns/marked"]);
    t.calls.length = 0;
    t.policies.emit("add", t.policy);
    t.policies.emit("delete", t.policy);
    expect(t.calls).toEqual(["wake ns/idle", "wake ns/marked", "wake ns/marked"]);
  });
});
