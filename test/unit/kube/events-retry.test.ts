// The Event recorder's retries: once-keyed Events are tried again on transient failures, plain Events never.
import type { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isTransient } from "../../../operator/kube/api-errors.ts";
import { eventRecorder } from "../../../operator/kube/events.ts";

const target = { apiVersion: "v1", kind: "Pod", namespace: "ns", name: "web-0", uid: "u-1" };

/** A CoreV1Api whose createNamespacedEvent fails with the given errors in turn, then succeeds. */
function failingCore(failures: unknown[]) {
  const calls: string[] = [];
  const core = {
    async createNamespacedEvent(args: { body: { metadata?: { name?: string; generateName?: string } } }) {
      calls.push(args.body.metadata?.name ?? `${args.body.metadata?.generateName}*`);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return args.body;
    },
  };
  return { core: core as unknown as CoreV1Api, calls };
}

function recorderWith(failures: unknown[]) {
  const { core, calls } = failingCore(failures);
  const errors: unknown[] = [];
  const slept: number[] = [];
  const recorder = eventRecorder(core, "quiesce-operator", (e) => errors.push(e), {
    delaysMs: [5, 10],
    clock: {
      sleep: async (ms) => {
        slept.push(ms);
      },
    },
  });
  return { recorder, calls, errors, slept };
}

describe("Event recorder retries", () => {
  it("retries a once-keyed Event after 503 and a network error, with the configured pauses", async () => {
    const { recorder, calls, errors, slept } = recorderWith([{ code: 503 }, new Error("socket hang up")]);
    await recorder.record(target, "Normal", "Drained", "drained", "ending-1");
    expect(calls).toHaveLength(3);
    expect(new Set(calls).size).toBe(1); // the same name each time: a retry cannot duplicate it
    expect(slept).toEqual([5, 10]);
    expect(errors).toEqual([]);
  });

  it("gives up after the last pause and reports the error once", async () => {
    const { recorder, calls, errors } = recorderWith([{ code: 500 }, { code: 429 }, { code: 503 }]);
    await recorder.record(target, "Normal", "Drained", "drained", "ending-1");
    expect(calls).toHaveLength(3);
    expect(errors).toEqual([{ code: 503 }]);
  });

  it("treats 409 on a retry as the first attempt's write having landed", async () => {
    const { recorder, calls, errors } = recorderWith([new Error("timeout"), { code: 409 }]);
    await recorder.record(target, "Normal", "Drained", "drained", "ending-1");
    expect(calls).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it("does not retry a plain Event, nor a once-keyed one the API server refused (403, 422)", async () => {
    const plain = recorderWith([{ code: 503 }]);
    await plain.recorder.record(target, "Normal", "QuiesceStarted", "started");
    expect(plain.calls).toEqual(["web-0.*"]);
    expect(plain.errors).toEqual([{ code: 503 }]);
    for (const code of [403, 422]) {
      const refused = recorderWith([{ code }]);
      await refused.recorder.record(target, "Normal", "Drained", "drained", "ending-1");
      expect(refused.calls).toHaveLength(1);
      expect(refused.errors).toEqual([{ code }]);
    }
  });

  it("classifies failures: no status, 429 and 5xx are transient; other 4xx are not", () => {
    expect(
      [undefined, 429, 500, 503].map((code) => isTransient(code === undefined ? new Error("x") : { code })),
    ).toEqual([true, true, true, true]);
    expect([400, 403, 404, 409, 422].map((code) => isTransient({ code }))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
