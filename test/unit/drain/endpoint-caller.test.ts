// The endpoint caller hands the state machine everything the drain reads of the app's answer: state, in flight,
// both counters and why a counter was unusable (a lost `refused` once let a drained pod go into live traffic).
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { quiescePolicySpecSchema } from "../../../operator/api/quiesce-policy.ts";
import { callEndpoint, MIN_RELEASE_SECONDS } from "../../../operator/controllers/drain/endpoint-caller.ts";
import type { QuiesceCallResult, QuiesceClient } from "../../../operator/quiesce/client.ts";

const spec = quiescePolicySpecSchema.parse({
  selector: { matchLabels: { app: "web" } },
  endpoint: { port: "admin" },
  drain: { timeoutSeconds: 60 },
});

const pod: V1Pod = {
  metadata: { name: "web-1", namespace: "ns" },
  spec: { containers: [{ name: "app", ports: [{ name: "admin", containerPort: 8081 }] }] },
  status: { podIP: "198.18.0.7" },
};
const noTokens = { token: async () => ({ ok: false as const, message: "no secret" }) };

function answering(result: QuiesceCallResult) {
  const client: QuiesceClient = {
    quiesce: async () => result,
    status: async () => result,
    unquiesce: async () => result,
  };
  return () => client;
}

describe("callEndpoint", () => {
  it("asks a settling pod, and only a settling one, to release its pooled connections", async () => {
    const asked: (number | undefined)[] = [];
    const ok: QuiesceCallResult = {
      ok: true,
      status: { state: "serving", inFlight: 0, accepted: 1 },
      httpStatus: 200,
    };
    const client: QuiesceClient = {
      quiesce: async () => ok,
      status: async (options) => {
        asked.push(options?.releaseSeconds);
        return ok;
      },
      unquiesce: async () => ok,
    };
    const slow = quiescePolicySpecSchema.parse({
      ...spec,
      drain: { timeoutSeconds: 600, pollIntervalSeconds: 20 },
    });
    for (const [policy, phase] of [
      [spec, "Settling"],
      [slow, "Settling"],
      [spec, "Requested"],
      [spec, "Draining"],
    ] as const) {
      await callEndpoint(pod, policy, { phase }, "status", noTokens, () => client);
    }
    expect(asked).toEqual([MIN_RELEASE_SECONDS, 60, undefined, undefined]);
  });

  it("passes the counters and the counter issue through, not the classes", async () => {
    const status = {
      state: "drained" as const,
      inFlight: 0,
      accepted: 12,
      refused: 4,
      classes: { sync: 0 },
      counterIssue: "x",
    };
    const out = await callEndpoint(
      pod,
      spec,
      { phase: "Draining" },
      "status",
      noTokens,
      answering({ ok: true, status, httpStatus: 200 }),
    );
    expect(out).toEqual({
      ok: true,
      status: { state: "drained", inFlight: 0, accepted: 12, refused: 4, counterIssue: "x" },
    });
  });

  it("keeps a failure's kind and message", async () => {
    const out = await callEndpoint(
      pod,
      spec,
      { phase: "Draining" },
      "status",
      noTokens,
      answering({ ok: false, kind: "timeout", message: "slow" }),
    );
    expect(out).toEqual({ ok: false, kind: "timeout", message: "slow" });
  });
});
