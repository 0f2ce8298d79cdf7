// Routes requests round-robin to a Service's ready endpoints (as kube-proxy would) and records every outcome.
import type { Agent } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import { EndpointFollower } from "./endpoint-follower.ts";
import { keepAliveAgent, sendGet } from "./http-sender.ts";
import { NO_ENDPOINTS, type RequestClass, type RequestOutcome } from "./outcome.ts";
import { RoundRobin } from "./ready-endpoints.ts";

export interface TrafficClientOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  service: string;
  /** The pod port requests go to (the Service's targetPort). */
  port: number;
  propagationDelayMs?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  /** Which statuses count as success (default 2xx). */
  isOk?: (status: number) => boolean;
  /** Keep the first bytes of each response body in the outcome (default false). */
  keepBodies?: boolean;
  now?: () => number;
}

export interface TrafficClient {
  send(path: string, requestClass?: RequestClass): Promise<RequestOutcome>;
  endpoints(): readonly string[];
  readonly follower: EndpointFollower;
  /** Every outcome so far, in completion order. */
  readonly outcomes: readonly RequestOutcome[];
  stop(): Promise<void>;
}

export async function startTrafficClient(options: TrafficClientOptions): Promise<TrafficClient> {
  const follower = new EndpointFollower({
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    service: options.service,
    ...(options.propagationDelayMs !== undefined ? { propagationDelayMs: options.propagationDelayMs } : {}),
  });
  await follower.start();
  const agent: Agent = keepAliveAgent();
  const picker = new RoundRobin();
  const now = options.now ?? Date.now;
  const isOk = options.isOk ?? ((s: number) => s >= 200 && s < 300);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const outcomes: RequestOutcome[] = [];
  let seq = 0;

  const send = async (path: string, requestClass: RequestClass = "short"): Promise<RequestOutcome> => {
    const base = { seq: seq++, path, class: requestClass, start: now() };
    const endpoint = picker.pick(follower.endpoints());
    let outcome: RequestOutcome;
    if (endpoint === undefined) {
      outcome = { ...base, end: now(), ok: false, failure: NO_ENDPOINTS };
    } else {
      const result = await sendGet(agent, endpoint, options.port, path, timeoutMs);
      const ok = result.status !== undefined && isOk(result.status);
      outcome = {
        ...base,
        end: now(),
        endpoint,
        ok,
        ...(result.status !== undefined ? { status: result.status } : {}),
        ...(ok ? {} : { failure: result.error ?? `http-${result.status}` }),
        ...(options.keepBodies && result.body !== undefined ? { body: result.body } : {}),
      };
    }
    outcomes.push(outcome);
    return outcome;
  };

  return {
    send,
    endpoints: () => follower.endpoints(),
    follower,
    outcomes,
    async stop() {
      await follower.stop();
      agent.destroy();
    },
  };
}
