// A TCP proxy on 127.0.0.1 in front of the API server (TLS passes through) that can cut one client off and restore
// it, and a kubeconfig file that sends a process through it.
import { writeFileSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

export interface ApiCutProxy {
  port: number;
  /** Resets every carried connection and every new one until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startApiCutProxy(upstream: KubeConfig): Promise<ApiCutProxy> {
  const server = upstream.getCurrentCluster()?.server;
  if (!server) throw new Error("api cut proxy: the upstream KubeConfig has no current cluster");
  const target = new URL(server);
  const open = new Set<Socket>();
  let cut = false;
  const proxy = createServer((client) => {
    if (cut) return void client.resetAndDestroy();
    const upstreamSocket = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstreamSocket]) {
      open.add(s);
      s.on("error", () => undefined);
      s.once("close", () => open.delete(s));
    }
    client.once("close", () => upstreamSocket.destroy());
    upstreamSocket.once("close", () => client.destroy());
    client.pipe(upstreamSocket);
    upstreamSocket.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(0, "127.0.0.1", () => resolve());
  });
  const address = proxy.address();
  if (address === null || typeof address === "string") throw new Error("api cut proxy: no address");
  return {
    port: address.port,
    cut() {
      cut = true;
      for (const s of open) s.resetAndDestroy();
      open.clear();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}

/** Writes a copy of `upstream` whose cluster is reached through the proxy at `port` (same CA and credentials). */
export function writeProxiedKubeconfig(upstream: KubeConfig, port: number, path: string): string {
  const kc = new KubeConfig();
  kc.loadFromString(upstream.exportConfig());
  const current = kc.getCurrentCluster();
  if (!current) throw new Error("api cut proxy: the upstream KubeConfig has no current cluster");
  const server = new URL(current.server);
  server.port = String(port);
  const clusters = kc.clusters.map((c) =>
    c.name === current.name ? { ...c, server: server.toString().replace(/\/$/, "") } : c,
  );
  kc.loadFromOptions({
    clusters,
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}
