import { describe, expect, it } from "vitest";
import { parsePod } from "../../harness/node-agent/pod-model.ts";
import { terminationDeadline } from "../../harness/node-agent/pod-worker.ts";
import { restartDelayMs, shouldRestart } from "../../harness/node-agent/restart-policy.ts";

describe("shouldRestart", () => {
  it("follows restartPolicy", () => {
    expect(shouldRestart("Always", 0)).toBe(true);
    expect(shouldRestart("OnFailure", 0)).toBe(false);
    expect(shouldRestart("OnFailure", 1)).toBe(true);
    expect(shouldRestart("Never", 1)).toBe(false);
  });
});

describe("restartDelayMs", () => {
  const options = { initialMs: 1000, maxMs: 8000, resetAfterMs: 60_000 };
  it("doubles up to the cap and resets after a long run", () => {
    expect([1, 2, 3, 4, 5, 9].map((n) => restartDelayMs(n, 10, options))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(restartDelayMs(6, 60_000, options)).toBe(1000);
  });
});

describe("terminationDeadline", () => {
  const pod = (deletionTimestamp?: string, grace?: number) =>
    parsePod({
      metadata: { name: "p", namespace: "n", uid: "u", deletionTimestamp, deletionGracePeriodSeconds: grace },
      spec: { containers: [{ name: "c", command: ["x"] }], terminationGracePeriodSeconds: 30 },
    });
  const stamp = Date.parse("2025-01-01T00:00:10Z");

  it("counts the grace from when the deletion was seen, within the second-precision timestamp", () => {
    // deleted at 00:00:07.400 with grace 3 s: the API server writes 00:00:10 (truncated).
    expect(terminationDeadline(pod("2025-01-01T00:00:10Z", 3), stamp - 3000 + 400)).toBe(stamp + 400);
  });

  it("never ends before the timestamp nor a second after it (e.g. the agent saw the deletion late)", () => {
    expect(terminationDeadline(pod("2025-01-01T00:00:10Z", 3), stamp - 5000)).toBe(stamp);
    expect(terminationDeadline(pod("2025-01-01T00:00:10Z", 3), stamp + 2000)).toBe(stamp + 999);
  });

  it("uses the pod's grace period when there is no timestamp", () => {
    expect(terminationDeadline(pod(), 1000)).toBe(31_000);
  });
});
