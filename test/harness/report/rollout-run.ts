// Pure: the record of one rollout run (each pod's timeline, the traffic's outcome) and the live progress tick.
import type { Way } from "../../scenarios/ways.ts";
import type { TrafficSummary } from "../traffic/index.ts";
import type { PodState } from "./pod-state.ts";

export interface Segment {
  state: PodState;
  from: number;
  to?: number;
}

export interface PodTimeline {
  name: string;
  ip?: string;
  /** Existed before the rollout began (it is one of the pods being replaced). */
  old: boolean;
  createdAt: number;
  readyAt?: number;
  /** First sign of removal: the operator's drain state, or the deletion timestamp. */
  removalAt?: number;
  outOfEndpointsAt?: number;
  drainedAt?: number;
  deletedAt?: number;
  goneAt?: number;
  inFlight?: number;
  segments: Segment[];
}

export interface RolloutRun {
  way: Way;
  namespace: string;
  replicas: number;
  startedAt: number;
  finishedAt: number;
  summary: TrafficSummary;
  /** Start times (epoch ms) and reasons of failed requests. */
  failures: { at: number; reason: string; class: "short" | "long" }[];
  /** Per endpoint IP, the latest end of any request sent to it (for each pod's real drain time). */
  lastEndByIp: Record<string, number>;
  pods: PodTimeline[];
}

export interface Tick {
  way: Way;
  phase: "warming up" | "rolling out" | "finishing";
  rolloutStartedAt?: number;
  pods: PodTimeline[];
  sent: number;
  failed: number;
  replicas: number;
}
