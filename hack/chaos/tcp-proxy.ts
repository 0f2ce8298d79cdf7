// A TCP proxy on 127.0.0.1: round-robin over its targets with failover on a refused connect, and a way to cut every
// connection it carries (the webhook Service in front of the replicas; the operators' path to the API server).
import { createConnection, createServer, type Socket } from "node:net";

export interface Target {
  host: string;
  port: number;
}

export interface TcpProxy {
  port: number;
  /** Destroys every open connection (both sides, like a reset); returns how many were cut. */
  cutAll(): number;
  close(): Promise<void>;
}

function connectFirst(targets: readonly Target[], start: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const attempt = (i: number) => {
      if (i >= targets.length) return reject(new Error(`no target accepted (${targets.length} tried)`));
      const t = targets[(start + i) % targets.length];
      if (t === undefined) return reject(new Error("no targets"));
      const socket = createConnection({ host: t.host, port: t.port });
      socket.once("connect", () => resolve(socket));
      socket.once("error", () => {
        socket.destroy();
        attempt(i + 1);
      });
    };
    attempt(0);
  });
}

export async function startTcpProxy(targets: () => readonly Target[], port = 0): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket | undefined]>();
  let next = 0;
  const server = createServer((client) => {
    const pair: [Socket, Socket | undefined] = [client, undefined];
    pairs.add(pair);
    client.pause();
    client.on("error", () => undefined);
    client.once("close", () => {
      pairs.delete(pair);
      pair[1]?.destroy();
    });
    connectFirst(targets(), next++).then(
      (upstream) => {
        if (client.destroyed) return void upstream.destroy();
        pair[1] = upstream;
        upstream.on("error", () => undefined);
        upstream.once("close", () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("tcp proxy: no address");
  return {
    port: address.port,
    cutAll() {
      const n = pairs.size;
      for (const [client, upstream] of pairs) {
        client.resetAndDestroy();
        upstream?.resetAndDestroy();
      }
      pairs.clear();
      return n;
    },
    async close() {
      for (const [client, upstream] of pairs) {
        client.destroy();
        upstream?.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
