// API connections are reused per TLS identity: equal PEMs in fresh Buffers share one keep-alive agent.
import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { sameIdentity, withConnectionReuse } from "../../../operator/kube/kube-config.ts";

type CreateAgent = (cluster: unknown, options: Record<string, unknown>) => unknown;
const createAgentOf = (kc: KubeConfig) => (kc as unknown as { createAgent: CreateAgent }).createAgent;
const identity = (cert: string, server = "https://10.0.0.1:6443") => ({
  server,
  ca: Buffer.from("CA PEM"),
  cert: Buffer.from(cert),
  key: Buffer.from("KEY PEM"),
  rejectUnauthorized: undefined,
  servername: undefined,
});

describe("withConnectionReuse", () => {
  it("hands out one agent per TLS identity, comparing the PEMs by content", () => {
    const createAgent = createAgentOf(withConnectionReuse(new KubeConfig()));
    const cluster = { server: "https://10.0.0.1:6443" };
    const first = createAgent(cluster, identity("CERT A"));
    expect(createAgent(cluster, identity("CERT A"))).toBe(first);
    expect(createAgent(cluster, identity("CERT B"))).not.toBe(first);
    expect(createAgent({ server: "https://10.0.0.2:6443" }, identity("CERT A"))).not.toBe(first);
  });

  it("compares strings, Buffers and arrays of them", () => {
    expect(sameIdentity(identity("A"), identity("A"))).toBe(true);
    expect(
      sameIdentity(
        { ...identity("A"), ca: ["x", Buffer.from("y")] },
        { ...identity("A"), ca: ["x", Buffer.from("y")] },
      ),
    ).toBe(true);
    expect(sameIdentity({ ...identity("A"), ca: ["x"] }, { ...identity("A"), ca: ["x", "y"] })).toBe(false);
    expect(sameIdentity({ ...identity("A"), rejectUnauthorized: false }, identity("A"))).toBe(false);
  });
});
