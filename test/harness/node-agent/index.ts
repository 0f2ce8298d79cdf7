// Public entry of the local node agent (the kubelet stand-in).
export { DEFAULT_REPO_ROOT, type NodeAgent, type NodeAgentOptions, startNodeAgent } from "./agent.ts";
export { LightRunner, type LightRunnerOptions } from "./light-runner.ts";
export { ensurePodNetwork } from "./pod-network.ts";
export type { ProcessRunner, ProcessSpec, RunningProcess } from "./process-runner.ts";
export { ChildProcessRunner } from "./process-runner.ts";
