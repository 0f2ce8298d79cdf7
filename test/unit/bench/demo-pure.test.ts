// The demo's pure parts: pod state from the object, the comparison table, progress and the timeline SVG.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { podStateOf } from "../../harness/report/pod-state.ts";
import { progressBar, rolloutProgress } from "../../harness/report/progress.ts";
import type { RolloutRun } from "../../harness/report/rollout-run.ts";
import { comparisonTable } from "../../harness/report/table.ts";
import { timelineSvg } from "../../harness/report/timeline-svg.ts";

const pod = (over: { ready?: boolean; state?: string; deleting?: boolean }): V1Pod => ({
  metadata: {
    name: "p",
    ...(over.state ? { annotations: { "quiesce.dev/state": over.state } } : {}),
    ...(over.deleting ? { deletionTimestamp: new Date() } : {}),
  },
  status: { conditions: [{ type: "Ready", status: over.ready ? "True" : "False" }] },
});

describe("podStateOf", () => {
  it.each([
    [{ ready: false }, "starting"],
    [{ ready: true }, "serving"],
    [{ ready: false, state: "Settling" }, "quiescing"],
    [{ ready: true, state: "Requested" }, "serving"],
    [{ ready: false, state: "Draining" }, "draining"],
    [{ ready: false, state: "Drained" }, "draining"],
    [{ ready: true, state: "Serving" }, "serving"],
    [{ ready: true, deleting: true }, "terminating"],
    [{ ready: false, state: "Draining", deleting: true }, "terminating"],
  ] as const)("%j is %s", (over, state) => {
    expect(podStateOf(pod(over))).toBe(state);
  });
});

describe("comparisonTable", () => {
  it("puts the three ways side by side with loss percentages", () => {
    const table = comparisonTable([
      { way: "naive", requests: 1000, failed: 50, longRequests: 40, longFailed: 6, rolloutSeconds: 29 },
      { way: "operator", requests: 2000, failed: 0, longRequests: 90, longFailed: 0, rolloutSeconds: 49.66 },
    ]);
    const lines = table.split("\n");
    expect(lines[0]).toMatch(/naive.*operator/);
    expect(table).toContain("50 (5.0%)");
    expect(table).toContain("0 of 90");
    expect(table).toContain("49.7 s");
    expect(new Set(lines.map((l) => l.length)).size).toBe(1); // aligned columns
  });
});

describe("progress", () => {
  it("draws a bar of the done fraction, capped at the total", () => {
    expect(progressBar(3, 12, 12)).toBe("[###---------] 3/12");
    expect(progressBar(20, 10, 4)).toBe("[####] 20/10");
  });

  it("counts old pods gone and new pods ready", () => {
    const base = { createdAt: 0, segments: [] };
    const pods = [
      { ...base, name: "a", old: true, goneAt: 5 },
      { ...base, name: "b", old: true },
      { ...base, name: "c", old: false, readyAt: 3 },
      { ...base, name: "d", old: false },
    ];
    expect(rolloutProgress(pods, 2)).toBe(2);
  });
});

describe("timelineSvg", () => {
  it("draws one panel per way with a bar per state segment and failed requests per second", () => {
    const run: RolloutRun = {
      way: "naive",
      namespace: "n",
      replicas: 1,
      startedAt: 10_000,
      finishedAt: 20_000,
      summary: {
        sent: 10,
        ok: 8,
        failed: 2,
        failuresByReason: { ECONNRESET: 2 },
        failuresOverTime: [],
        byClass: { short: { sent: 8, ok: 8, failed: 0 }, long: { sent: 2, ok: 0, failed: 2 } },
        byEndpoint: {},
        latencyMs: { p50: 1, p99: 1, max: 1 },
      },
      failures: [
        { at: 12_000, reason: "ECONNRESET", class: "long" },
        { at: 12_500, reason: "ECONNRESET", class: "long" },
      ],
      lastEndByIp: {},
      pods: [
        {
          name: "web-1",
          old: true,
          createdAt: 0,
          segments: [
            { state: "serving", from: 0, to: 11_000 },
            { state: "terminating", from: 11_000, to: 15_000 },
            { state: "gone", from: 15_000 },
          ],
        },
      ],
    };
    const svg = timelineSvg([run]);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("web-1");
    expect(svg.match(/<title>serving<\/title>/g)).toHaveLength(1);
    expect(svg.match(/<title>terminating<\/title>/g)).toHaveLength(1);
    expect(svg).toContain("<title>2 failed</title>");
  });
});
