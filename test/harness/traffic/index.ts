// Public entry of the kube-proxy-like traffic client and load generator.
export { type EndpointChange, EndpointFollower, type EndpointFollowerOptions } from "./endpoint-follower.ts";
export { type LoadOptions, type LoadRun, type MixEntry, pickFromMix, startLoad } from "./load-generator.ts";
export { NO_ENDPOINTS, type RequestClass, type RequestOutcome } from "./outcome.ts";
export { RoundRobin, readyAddresses } from "./ready-endpoints.ts";
export { summarize, type TrafficSummary } from "./summary.ts";
export { startTrafficClient, type TrafficClient, type TrafficClientOptions } from "./traffic-client.ts";
