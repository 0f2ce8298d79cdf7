// `make bench`'s scenarios: each one's load profile and its ways side by side (the app's way and the policy, if any).
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";
import type { BenchScenario, BenchWay } from "../../test/harness/report/bench-entries.ts";
import { defaultWayPolicy, WAYS, type Way, wayPolicy } from "../../test/scenarios/ways.ts";
import {
  BENCH_PROFILE,
  LOW_RATE_PROFILE,
  type Profile,
  SCALE_IN_PROFILE,
  SHORT_DRAIN_PROFILE,
  SLOW_LB_PROFILE,
} from "../demo/profile.ts";

export interface BenchWaySetup {
  /** The entry's way (`<name>/<scenario>`), and the namespace's first part. */
  name: BenchWay;
  /** The app's manifest (grace period, preStop sleep). */
  way: Way;
  policy: QuiescePolicySpecInput | undefined;
}

export interface ScenarioSetup {
  /** With `scaleInTo` the run scales the Deployment (hack/bench/run-scale-in.ts), else it restarts a rollout. */
  profile: Profile;
  ways: readonly BenchWaySetup[];
}

/** naive, prestop-sleep and operator, the operator's policy from `policyOf`. */
function threeWays(profile: Profile, policyOf: typeof wayPolicy): BenchWaySetup[] {
  return WAYS.map((way) => ({ name: way, way, policy: policyOf(way, profile.maxSurge) }));
}

/** The policy's defaults (settle included), 120 s drains, all removals at once; scaleIn as given. */
function scaleInPolicy(scaleIn: QuiescePolicySpecInput["scaleIn"]): QuiescePolicySpecInput | undefined {
  const removals = SCALE_IN_PROFILE.replicas - (SCALE_IN_PROFILE.scaleInTo ?? SCALE_IN_PROFILE.replicas);
  const policy = defaultWayPolicy("operator", removals);
  return policy && { ...policy, scaleIn };
}

export const SCENARIO_SETUPS: Record<BenchScenario, ScenarioSetup> = {
  /** The long-work rollout, with its tuned policy (settleSeconds 5). */
  base: { profile: BENCH_PROFILE, ways: threeWays(BENCH_PROFILE, wayPolicy) },
  /** A load balancer 30 s late: the settle must outwait it without being told. */
  "slow-lb": { profile: SLOW_LB_PROFILE, ways: threeWays(SLOW_LB_PROFILE, defaultWayPolicy) },
  /** Sparse arrivals: the settle must not mistake a gap for the end of traffic. */
  "low-rate": { profile: LOW_RATE_PROFILE, ways: threeWays(LOW_RATE_PROFILE, defaultWayPolicy) },
  /** Drains under 2 s: the operator should take at most half of preStop-sleep's rollout. */
  "short-drain": { profile: SHORT_DRAIN_PROFILE, ways: threeWays(SHORT_DRAIN_PROFILE, defaultWayPolicy) },
  /**
   * 8 -> 4 under long work of random lengths: without a policy (its cut work), with one, and with one that has
   * `scaleIn.preferIdle` (the ReplicaSet should then remove the idle pods, so the scale-in ends much sooner).
   */
  "scale-in": {
    profile: SCALE_IN_PROFILE,
    ways: [
      { name: "naive", way: "naive", policy: undefined },
      { name: "operator", way: "operator", policy: scaleInPolicy({ preferIdle: false }) },
      {
        name: "operator-prefer-idle",
        way: "operator",
        policy: scaleInPolicy({ preferIdle: true, pollIntervalSeconds: 2 }),
      },
    ],
  },
};
