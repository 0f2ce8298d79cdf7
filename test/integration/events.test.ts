// Events on the real API server: an ending Event recorded twice under its once-key (a new leader resuming a drain
// the old one finished) is there once; Events without a key are all kept.
import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { eventRecorder, onceEventName } from "../../operator/kube/events.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";

const kc = loadKubeConfig();
const core = kc.makeApiClient(CoreV1Api);

describe("Event recorder", () => {
  it("records a once-keyed Event a single time, however often it is recorded; plain Events each time", async () => {
    const ns = (await createNamespace(kc, "events")).name;
    const errors: unknown[] = [];
    const recorder = eventRecorder(core, "quiesce-operator", (e) => errors.push(e));
    const target = {
      apiVersion: "v1",
      kind: "Pod",
      namespace: ns,
      name: "web-0",
      uid: "1234abcd-0000-4000-8000-000000000000",
    };
    for (let i = 0; i < 3; i++)
      await recorder.record(target, "Normal", "Drained", `drained, try ${i}`, "ending-1700000000000");
    await recorder.record(target, "Normal", "QuiesceStarted", "one");
    await recorder.record(target, "Normal", "QuiesceStarted", "two");
    const events = (await core.listNamespacedEvent({ namespace: ns })).items;
    expect(errors).toEqual([]);
    const drained = events.filter((e) => e.reason === "Drained");
    expect(drained).toHaveLength(1);
    expect(drained[0]?.metadata?.name).toBe(onceEventName(target, "ending-1700000000000"));
    expect(drained[0]?.message).toBe("drained, try 0");
    expect(events.filter((e) => e.reason === "QuiesceStarted")).toHaveLength(2);
    await core.deleteNamespace({ name: ns });
  });

  it("makes names the API server accepts for the longest pod names", () => {
    const name = onceEventName(
      { apiVersion: "v1", kind: "Pod", namespace: "n", name: "a".repeat(253), uid: "U-1" },
      "Ending-1",
    );
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });
});
