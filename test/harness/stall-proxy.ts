// A plain-HTTP proxy to the API server on 127.0.0.1 that can stall watch streams: each stays open, nothing more sent.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type RequestOptions, request } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";

/** A watch request the proxy carried. */
export interface ProxiedWatch {
  url: URL;
  openedAt: number;
  /** When the proxy stopped forwarding it. */
  stalledAt?: number;
  /** Whether the client's connection has closed. */
  closed: boolean;
}

export interface StallProxy {
  port: number;
  /** A KubeConfig whose requests go through the proxy (it adds the upstream's credentials). */
  kubeConfig(): KubeConfig;
  /** Stops forwarding each open watch `matches` picks, keeping its connection open; returns those stalled. */
  stallWatches(matches: (watch: ProxiedWatch) => boolean): ProxiedWatch[];
  watches(): readonly ProxiedWatch[];
  close(): Promise<void>;
}

const isWatch = (url: URL) => ["true", "1"].includes(url.searchParams.get("watch") ?? "");

/** Starts the proxy in front of `upstream`'s current cluster, with its user's credentials. */
export async function startStallProxy(upstream: KubeConfig): Promise<StallProxy> {
  const server = upstream.getCurrentCluster()?.server;
  if (!server) throw new Error("stall proxy: the upstream KubeConfig has no current cluster");
  const tls: RequestOptions = {};
  await upstream.applyToHTTPSOptions(tls);
  const watches: ProxiedWatch[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", server);
    const watch: ProxiedWatch | undefined = isWatch(url)
      ? { url, openedAt: Date.now(), closed: false }
      : undefined;
    if (watch) watches.push(watch);
    const { host: _host, ...headers } = req.headers;
    const outgoing = request(
      url,
      { ...tls, method: req.method, headers: { ...headers, ...tls.headers } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.flushHeaders(); // as the API server does: a watch's headers at once, its first event maybe a minute later
        up.on("data", (chunk: Buffer) => {
          if (watch?.stalledAt === undefined) res.write(chunk);
        });
        up.on("end", () => {
          if (watch?.stalledAt === undefined) res.end();
        });
        up.on("error", () => res.destroy());
      },
    );
    outgoing.on("error", (error) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end(`stall proxy: ${url.pathname}: ${error.message}`);
    });
    res.on("close", () => {
      if (watch) watch.closed = true;
      outgoing.destroy();
    });
    req.pipe(outgoing);
  };

  const proxy = createServer(forward);
  await new Promise<void>((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(0, "127.0.0.1", () => resolve());
  });
  const address = proxy.address();
  if (address === null || typeof address === "string") throw new Error("stall proxy: no address");
  return {
    port: address.port,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "stall-proxy", server: `http://127.0.0.1:${address.port}`, skipTLSVerify: true }],
        users: [{ name: "stall-proxy" }],
        contexts: [{ name: "stall-proxy", cluster: "stall-proxy", user: "stall-proxy" }],
        currentContext: "stall-proxy",
      });
      return kc;
    },
    stallWatches(matches) {
      const picked = watches.filter((w) => !w.closed && w.stalledAt === undefined && matches(w));
      for (const w of picked) w.stalledAt = Date.now();
      return picked;
    },
    watches: () => watches,
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  };
}
