import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepAliveAgent, sendGet } from "../../harness/traffic/http-sender.ts";

describe("sendGet", () => {
  const ip = "127.1.253.1";
  let server: Server;
  let port = 0;
  const sockets = new Set<unknown>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/reset") return void req.socket.destroy();
      if (req.url === "/slow") return void setTimeout(() => res.end("slow"), 500);
      res.statusCode = req.url === "/fail" ? 503 : 200;
      res.end(`hello ${req.url}`);
    });
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, ip, resolve));
    const address = server.address();
    if (typeof address !== "object" || !address) throw new Error("no address");
    port = address.port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("reuses connections and returns status and body", async () => {
    const agent = keepAliveAgent();
    for (let i = 0; i < 5; i++)
      expect(await sendGet(agent, ip, port, "/x", 1000)).toEqual({ status: 200, body: "hello /x" });
    expect(sockets.size).toBe(1);
    expect((await sendGet(agent, ip, port, "/fail", 1000)).status).toBe(503);
    agent.destroy();
  });

  it("classifies refused, reset and timed-out requests", async () => {
    const agent = keepAliveAgent();
    expect(await sendGet(agent, "127.1.253.2", port, "/", 1000)).toEqual({ error: "ECONNREFUSED" });
    expect(await sendGet(agent, ip, port, "/reset", 1000)).toEqual({ error: "ECONNRESET" });
    expect(await sendGet(agent, ip, port, "/slow", 100)).toEqual({ error: "timeout" });
    agent.destroy();
  });
});
