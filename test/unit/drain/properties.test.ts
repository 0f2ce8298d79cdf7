// Drain state machine properties (fast-check): bounded by the timeout, no early removal, always requeued, no throws.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DrainState, fromAnnotations, toAnnotations } from "../../../operator/api/pod-annotations.ts";
import { quiescePolicySpecSchema } from "../../../operator/api/quiesce-policy.ts";
import type { DrainObservation, ProbeResult } from "../../../operator/controllers/drain/observation.ts";
import { type DrainPolicy, nextProbe, step } from "../../../operator/controllers/drain/state-machine.ts";
import { drainStateArb } from "../api/arbitraries.ts";
import { ERROR_KINDS, removes, requeueMs, T0 } from "./fixtures.ts";

const policyArb: fc.Arbitrary<DrainPolicy> = fc
  .record({
    timeoutSeconds: fc.integer({ min: 1, max: 120 }),
    poll: fc.integer({ min: 1, max: 10 }),
    settle: fc.integer({ min: 0, max: 30 }),
    endpoint: fc.boolean(),
    keep: fc.boolean(),
  })
  .map(({ timeoutSeconds, poll, settle, endpoint, keep }) =>
    quiescePolicySpecSchema.parse({
      selector: { matchLabels: { a: "b" } },
      endpoint: endpoint ? { port: 8081 } : undefined,
      drain: {
        timeoutSeconds,
        pollIntervalSeconds: Math.min(poll, timeoutSeconds),
        settleSeconds: Math.min(settle, timeoutSeconds - 1),
        onTimeout: keep ? "Keep" : "Delete",
      },
    }),
  );

/** One app answer per probe: work left, drained, or an error; the inFlight script is consumed in order. */
const answerArb: fc.Arbitrary<ProbeResult> = fc.oneof(
  fc.record({
    ok: fc.constant(true as const),
    status: fc.record({
      state: fc.constantFrom("serving" as const, "quiescing" as const, "drained" as const),
      inFlight: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
      accepted: fc.integer({ min: 0, max: 3 }),
    }),
  }),
  fc.record({
    ok: fc.constant(false as const),
    kind: fc.constantFrom(...ERROR_KINDS),
    message: fc.string({ maxLength: 20 }),
  }),
);

const scenarioArb = fc.record({
  policy: policyArb,
  answers: fc.array(answerArb, { minLength: 1, maxLength: 40 }),
  budgetRefusals: fc.integer({ min: 0, max: 3 }),
  restartEvery: fc.integer({ min: 1, max: 5 }),
  lateMs: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 10 }),
  /** Per step: does an EndpointSlice still list the pod (its controller lagging)? */
  listed: fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
});

describe("drain state machine properties", () => {
  it("removes only when drained or timed out, within one poll interval of the timeout, and requeues until done", () => {
    fc.assert(
      fc.property(scenarioArb, ({ policy, answers, budgetRefusals, restartEvery, lateMs, listed }) => {
        const pollMs = policy.drain.pollIntervalSeconds * 1000;
        const timeoutMs = policy.drain.timeoutSeconds * 1000;
        let state: DrainState = {
          phase: "Requested",
          policy: "p",
          reason: "rollout",
          via: "delete",
          requestedAt: T0,
        };
        let now = T0;
        let pod: DrainObservation["pod"] = "present";
        let startedAt: number | undefined;
        let lastAnswerDrained = false;
        for (let i = 0; i < 2000; i++) {
          const probe = nextProbe(state, policy, pod);
          const result = probe ? answers[i % answers.length] : undefined;
          const obs: DrainObservation = {
            pod,
            gate: state.phase === "Requested",
            listed: listed[i % listed.length],
            probe: probe && result ? { call: probe, result } : undefined,
            budget: i < budgetRefusals ? { allowed: false, message: "no" } : { allowed: true, message: "ok" },
          };
          const r = step(state, obs, now, policy);
          if (r.state.phase === "Settling" && startedAt === undefined) startedAt = r.state.startedAt;
          // Never asks the app to refuse work while a Service may still route to it.
          if (state.phase === "Settling" && r.state.phase === "Quiescing") expect(obs.listed).toBe(false);
          lastAnswerDrained =
            probe !== "status" || state.phase !== "Settling"
              ? result?.ok === true && result.status.inFlight === 0
              : false;
          if (removes(r)) {
            expect(startedAt).toBeDefined();
            const elapsed = now - (startedAt ?? now);
            const byTimeout = elapsed >= timeoutMs;
            const bySettle = !policy.endpoint && elapsed >= policy.drain.settleSeconds * 1000;
            const byDrain = policy.endpoint !== undefined && lastAnswerDrained;
            expect(byTimeout || bySettle || byDrain, `removed at +${elapsed}ms in ${state.phase}`).toBe(true);
            // A removal held for the endpoints (the pod still routed at the deadline) waits at most one more timeout.
            expect(elapsed).toBeLessThanOrEqual(
              (state.heldAt === undefined ? timeoutMs : 2 * timeoutMs) + pollMs,
            );
            pod = "terminating";
          }
          if (r.done) break;
          const ms = requeueMs(r);
          expect(ms, `no requeue from ${state.phase} -> ${r.state.phase}`).toBeDefined();
          expect(ms).toBeLessThanOrEqual(pollMs);
          if (startedAt !== undefined && r.state.phase !== "Requested")
            expect(now - startedAt).toBeLessThanOrEqual(
              (r.state.heldAt === undefined ? timeoutMs : 2 * timeoutMs) + pollMs,
            );
          now += (ms ?? 0) + (lateMs[i % lateMs.length] ?? 0) * (i % 3 === 0 ? 1 : 0);
          // Some reconciles happen in a freshly started operator that only has the annotations.
          state =
            i % restartEvery === 0
              ? fromAnnotations(
                  Object.fromEntries(Object.entries(toAnnotations(r.state)).filter(([, v]) => v !== null)),
                )
              : r.state;
          expect(i).toBeLessThan(1999);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never throws and always requeues unless done, whatever the state, observation and time", () => {
    const garbage = fc.oneof(fc.anything(), drainStateArb);
    const obsArb = fc.oneof(
      fc.anything(),
      fc.record({
        pod: fc.constantFrom("present", "terminating", "gone", "bogus"),
        gate: fc.option(fc.anything(), { nil: undefined }),
        listed: fc.option(fc.anything(), { nil: undefined }),
        probe: fc.option(
          fc.record({
            call: fc.constantFrom("quiesce", "status", "unquiesce", "x"),
            result: fc.oneof(answerArb, fc.anything()),
          }),
          { nil: undefined },
        ),
        budget: fc.option(
          fc.oneof(fc.record({ allowed: fc.boolean(), message: fc.string() }), fc.anything()),
          {
            nil: undefined,
          },
        ),
        revisionIsCurrent: fc.option(fc.anything(), { nil: undefined }),
      }),
    );
    const nowArb = fc.oneof(
      fc.integer({ min: 0, max: 4e12 }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1),
    );
    fc.assert(
      fc.property(garbage, obsArb, nowArb, policyArb, (s, o, now, policy) => {
        const r = step(s as DrainState, o as DrainObservation, now, policy);
        expect(r.done || requeueMs(r) !== undefined).toBe(true);
        if (removes(r)) expect(["Drained", "TimedOut"]).toContain(r.state.phase);
        expect(() => nextProbe(s as DrainState, policy)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
