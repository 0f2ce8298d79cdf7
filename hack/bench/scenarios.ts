// `make bench`'s scenarios: each one's load profile and the operator way's policy (tuned for base, defaults otherwise).
import type { BenchScenario } from "../../test/harness/report/bench-entries.ts";
import { defaultWayPolicy, wayPolicy } from "../../test/scenarios/ways.ts";
import {
  BENCH_PROFILE,
  LOW_RATE_PROFILE,
  type Profile,
  SHORT_DRAIN_PROFILE,
  SLOW_LB_PROFILE,
} from "../demo/profile.ts";

export interface ScenarioSetup {
  profile: Profile;
  policyOf: typeof wayPolicy;
}

export const SCENARIO_SETUPS: Record<BenchScenario, ScenarioSetup> = {
  /** The long-work rollout, with its tuned policy (settleSeconds 5). */
  base: { profile: BENCH_PROFILE, policyOf: wayPolicy },
  /** A load balancer 30 s late: the settle must outwait it without being told. */
  "slow-lb": { profile: SLOW_LB_PROFILE, policyOf: defaultWayPolicy },
  /** Sparse arrivals: the settle must not mistake a gap for the end of traffic. */
  "low-rate": { profile: LOW_RATE_PROFILE, policyOf: defaultWayPolicy },
  /** Drains under 2 s: the operator should take at most half of preStop-sleep's rollout. */
  "short-drain": { profile: SHORT_DRAIN_PROFILE, policyOf: defaultWayPolicy },
};
