// Loads a KubeConfig whose API calls reuse keep-alive TLS connections instead of a new handshake per request.
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
  // A handful at most (one per TLS identity); compared field by field, as hashing the PEMs on every request cost
  // more than the request's own JSON (a CPU profile of a 200-drain burst: 0.6 s of 30).
  const agents: { identity: TlsIdentity; agent: unknown }[] = [];
  target.createAgent = (cluster, options) => {
    const server = (cluster as { server?: string; proxyUrl?: string } | undefined) ?? {};
    if (server.proxyUrl || !server.server?.startsWith("https:")) return original(cluster, options);
    const identity = tlsIdentity(server.server, options);
    const known = agents.find((a) => sameIdentity(a.identity, identity));
    if (known) return known.agent;
    const agent = new Agent({ ...options, keepAlive: true, keepAliveMsecs: 30_000, maxFreeSockets: 32 });
    agents.push({ identity, agent });
    return agent;
  };
  return kc;
}

type Pem = AgentOptions["ca"];
interface TlsIdentity {
  server: string;
  ca: Pem;
  cert: Pem;
  key: AgentOptions["key"];
  rejectUnauthorized: boolean | undefined;
  servername: string | undefined;
}

function tlsIdentity(server: string, options: AgentOptions): TlsIdentity {
  const { ca, cert, key, rejectUnauthorized, servername } = options;
  return { server, ca, cert, key, rejectUnauthorized, servername };
}

/** Strings, Buffers, arrays of them, or KeyObject-like values (compared by reference). */
function samePem(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => samePem(x, b[i]));
  return false;
}

export function sameIdentity(a: TlsIdentity, b: TlsIdentity): boolean {
  return (
    a.server === b.server &&
    a.rejectUnauthorized === b.rejectUnauthorized &&
    a.servername === b.servername &&
    samePem(a.ca, b.ca) &&
    samePem(a.cert, b.cert) &&
    samePem(a.key, b.key)
  );
}

export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return withConnectionReuse(kc);
}
