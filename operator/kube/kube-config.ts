// Loads a KubeConfig whose API calls reuse keep-alive TLS connections instead of a new handshake per request.
import { createHash } from "node:crypto";
import { Agent, type AgentOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

type CreateAgent = (cluster: unknown, options: AgentOptions) => unknown;

/**
 * client-node builds a new https.Agent for every request, so every API call (a pod status patch on a pod's
 * start-up path included) pays a full TLS handshake. Agents are reused here per TLS identity; the bearer token
 * travels in a header, so token rotation is unaffected.
 */
export function withConnectionReuse(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: CreateAgent };
  const original = target.createAgent.bind(kc);
  const agents = new Map<string, unknown>();
  target.createAgent = (cluster, options) => {
    const server = (cluster as { server?: string; proxyUrl?: string } | undefined) ?? {};
    if (server.proxyUrl || !server.server?.startsWith("https:")) return original(cluster, options);
    const key = createHash("sha256")
      .update(
        JSON.stringify([
          server.server,
          options.ca,
          options.cert,
          options.key,
          options.rejectUnauthorized,
          options.servername,
        ]),
      )
      .digest("hex");
    let agent = agents.get(key);
    if (agent === undefined) {
      agent = new Agent({ ...options, keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 32 });
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return withConnectionReuse(kc);
}
