// The removal recorder (what it writes on a pod the deletion gate held) and its background runner on the fake clock.
import type { V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type ObjectKey, objectKey } from "../../../operator/api/object-key.ts";
import { ANNOTATIONS } from "../../../operator/api/pod-annotations.ts";
import { drainStateOf } from "../../../operator/api/pod-view.ts";
import type { StartDrainEffect } from "../../../operator/api/removal-request.ts";
import {
  backgroundRecorder,
  DELETION_COST_ANNOTATION,
  REPLICASET_CONTROLLER,
  REQUESTED_DELETION_COST,
  removalRecorder,
} from "../../../operator/controllers/drain/removal-requests.ts";
import { FakeClock } from "../../../operator/runtime/clock.ts";
import { deployment, lookups, replicaSet } from "../controllers/pods.ts";
import { expectDueAfter, settle, until } from "../runtime/settle.ts";
import { FakePodWriter, gatedPod, Journal, MemoryStore } from "./fake-cluster.ts";
import { T0 } from "./fixtures.ts";

const silent = pino({ level: "silent" });

function effect(name: string, o: { username?: string } = {}): StartDrainEffect {
  return {
    kind: "startDrain",
    pod: { namespace: "ns", name },
    policy: "web",
    reason: "delete",
    via: "delete",
    requestedAt: new Date(T0),
    user: { username: o.username ?? "system:admin" },
  };
}

function recorderOn(pods: V1Pod[]) {
  const store = new MemoryStore(pods);
  const journal = new Journal(() => T0);
  const enqueued: ObjectKey[] = [];
  const record = removalRecorder({
    cache: { pods: store },
    lookups: lookups([replicaSet("web-rs", 2, "1")], [deployment("web", 2, "1")]),
    pods: new FakePodWriter(store, journal, () => T0),
    enqueue: (key) => enqueued.push(key),
    getPod: async (namespace, name) => store.get(namespace, name),
    logger: silent,
  });
  const annotations = (name: string) => store.get("ns", name)?.metadata?.annotations ?? {};
  return { record, store, journal, enqueued, annotations };
}

describe("removalRecorder", () => {
  it("records Requested on a Serving pod, with the deletion cost, and enqueues it", async () => {
    const r = recorderOn([gatedPod("web-a", { gate: true })]);

    await r.record(effect("web-a"));

    expect(r.journal.whats()).toEqual(["annotate:Requested"]);
    expect(r.annotations("web-a")).toEqual({
      [ANNOTATIONS.state]: "Requested",
      [ANNOTATIONS.policy]: "web",
      [ANNOTATIONS.reason]: "delete",
      [ANNOTATIONS.via]: "delete",
      [ANNOTATIONS.requestedAt]: new Date(T0).toISOString(),
      [DELETION_COST_ANNOTATION]: REQUESTED_DELETION_COST,
    });
    expect(r.enqueued).toEqual([objectKey("ns", "web-a")]);
  });

  it("leaves a pod already draining as it is, but enqueues it", async () => {
    const draining = gatedPod("web-a", {
      gate: false,
      state: { phase: "Draining", policy: "web", reason: "rollout", via: "evict", startedAt: T0 - 5000 },
    });
    const r = recorderOn([draining]);

    await r.record(effect("web-a"));

    expect(r.journal.whats()).toEqual([]);
    expect(r.store.get("ns", "web-a")).toEqual(draining);
    expect(r.enqueued).toEqual([objectKey("ns", "web-a")]);
  });

  it("does not mark a ReplicaSet scale-down's pod when enough of its pods are already being removed", async () => {
    // web-rs wants 2 of its 3 pods: one removal is all it asked for, and web-b is already Requested.
    const pods = ["web-a", "web-b", "web-c"].map((name) => gatedPod(name, { rs: "web-rs", gate: true }));
    const r = recorderOn(pods);
    const scaleDown = (name: string) => effect(name, { username: REPLICASET_CONTROLLER });

    await r.record(scaleDown("web-b"));
    expect(r.annotations("web-b")[ANNOTATIONS.reason]).toBe("scale-in"); // current revision: a scale-in
    await r.record(scaleDown("web-a"));

    expect(r.journal.whats()).toEqual(["annotate:Requested"]);
    const web = r.store.get("ns", "web-a");
    expect(web && drainStateOf(web).phase).toBe("Serving");
    expect(r.enqueued).toEqual([objectKey("ns", "web-b")]);
  });

  it("marks one pod of a ReplicaSet's excess of one when two scale-down records run at the same time", async () => {
    const pods = ["web-a", "web-b", "web-c"].map((name) => gatedPod(name, { rs: "web-rs", gate: true }));
    const r = recorderOn(pods);
    const scaleDown = (name: string) => effect(name, { username: REPLICASET_CONTROLLER });

    // Both start before either write returns: the second sees the first's reservation.
    await Promise.all([r.record(scaleDown("web-a")), r.record(scaleDown("web-b"))]);

    expect(r.journal.whats()).toEqual(["annotate:Requested"]);
    const phases = ["web-a", "web-b"].map((n) => {
      const p = r.store.get("ns", n);
      return p && drainStateOf(p).phase;
    });
    expect(phases.sort()).toEqual(["Requested", "Serving"]);
  });

  it("frees the reservation when the write fails, so a later record can mark another pod", async () => {
    const pods = ["web-a", "web-b", "web-c"].map((name) => gatedPod(name, { rs: "web-rs", gate: true }));
    const store = new MemoryStore(pods);
    const writer = new FakePodWriter(store, new Journal(() => T0), () => T0);
    const failing = removalRecorder({
      cache: { pods: store },
      lookups: lookups([replicaSet("web-rs", 2, "1")], [deployment("web", 2, "1")]),
      // web-a's write finds the pod changed (a 409 after retries).
      pods: {
        ...writer,
        annotate: async (ns, name, ...rest) =>
          name === "web-a" ? undefined : writer.annotate(ns, name, ...rest),
      },
      enqueue: () => {},
      getPod: async (namespace, name) => store.get(namespace, name),
      logger: silent,
    });
    const scaleDown = (name: string) => effect(name, { username: REPLICASET_CONTROLLER });

    await expect(failing(scaleDown("web-a"))).rejects.toThrow("changed while recording");
    await failing(scaleDown("web-b"));

    const web = store.get("ns", "web-b");
    expect(web && drainStateOf(web).phase).toBe("Requested");
  });
});

/** A record function whose calls fail or hang as scripted: `outcomes[i]` answers call i (the last one repeats). */
function scriptedRecord(outcomes: Array<"fail" | "ok" | "hang">) {
  const s = { calls: 0, finished: 0, release: () => {} };
  const record = async (_effect: StartDrainEffect): Promise<void> => {
    const outcome = outcomes[Math.min(s.calls, outcomes.length - 1)];
    s.calls++;
    if (outcome === "fail") throw new Error(`API server unavailable (call ${s.calls})`);
    if (outcome === "hang")
      await new Promise<void>((r) => {
        s.release = r;
      });
    s.finished++;
  };
  return { s, record };
}

/** A logger whose error lines the test reads. */
function capturingLogger() {
  const lines: Array<{ msg: string; pod?: string; err?: string }> = [];
  const logger = pino({ level: "error" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

/** Calls `answer(effect)` and tracks when the admission caller gets its answer. */
function admit(answer: (e: StartDrainEffect) => Promise<void>, name = "web-a") {
  const call = { answered: false };
  void answer(effect(name)).then(() => {
    call.answered = true;
  });
  return call;
}

describe("backgroundRecorder", () => {
  it("retries a failed record after 400 ms, then 800 ms", async () => {
    const clock = new FakeClock(T0);
    const { s, record } = scriptedRecord(["fail", "fail", "ok"]);
    const call = admit(backgroundRecorder(record, silent, { clock }));
    await until(() => s.calls === 1 && clock.pending() === 2, "first attempt failed, retry scheduled");

    await expectDueAfter(clock, 400, () => s.calls, "second attempt");
    await until(() => clock.pending() === 2, "second retry scheduled");
    await expectDueAfter(clock, 800, () => s.calls, "third attempt");

    await until(() => call.answered, "the admission answer");
    expect(s).toMatchObject({ calls: 3, finished: 1 });
    expect(clock.now() - T0).toBe(1200); // answered when recorded, not at answerWithinMs
    expect(clock.pending()).toBe(0); // the answer timer is cancelled
  });

  it("gives up after `attempts` failures and logs it", async () => {
    const clock = new FakeClock(T0);
    const { s, record } = scriptedRecord(["fail"]);
    const { logger, lines } = capturingLogger();
    const call = admit(backgroundRecorder(record, logger, { clock, attempts: 3 }));

    await until(() => s.calls === 1 && clock.pending() === 2, "first attempt failed");
    clock.advance(400);
    await until(() => s.calls === 2 && clock.pending() === 2, "second attempt failed");
    clock.advance(800);
    await until(() => call.answered, "the admission answer");

    expect(s.calls).toBe(3);
    expect(lines).toEqual([
      expect.objectContaining({
        msg: "removal not recorded; the deleter's retry will ask again",
        pod: "web-a",
        err: "Error: API server unavailable (call 3)",
      }),
    ]);
    clock.advance(60_000);
    await settle();
    expect(s.calls).toBe(3);
  });

  it("answers the admission caller after 1500 ms while a slow record goes on in the background", async () => {
    const clock = new FakeClock(T0);
    const { s, record } = scriptedRecord(["hang"]);
    const call = admit(backgroundRecorder(record, silent, { clock }));
    await until(() => s.calls === 1, "record started");

    await expectDueAfter(clock, 1500, () => (call.answered ? 1 : 0), "the admission answer");

    expect(s.finished).toBe(0);
    s.release();
    await until(() => s.finished === 1, "the record finished in the background");
    expect(s.calls).toBe(1);
  });

  it("runs one record per pod: a second call for it shares the running one", async () => {
    const clock = new FakeClock(T0);
    const { s, record } = scriptedRecord(["hang", "ok"]);
    const answer = backgroundRecorder(record, silent, { clock });

    const first = admit(answer);
    const second = admit(answer);
    const other = admit(answer, "web-b");
    await until(() => s.calls === 2, "records started");
    await settle();
    expect(s.calls).toBe(2); // web-a once, web-b once
    await until(() => other.answered, "web-b answered");

    s.release();
    await until(() => first.answered && second.answered, "both calls for web-a answered");
    expect(clock.now()).toBe(T0); // by the shared record, not by the answer timer
    // Once it finished, a new call records again.
    admit(answer);
    await until(() => s.calls === 3, "a new record");
  });
});
