// Pooled keep-alive clients across a quiesce: idle sockets closed, open responses say `Connection: close`, no resets.
import http from "node:http";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createQuiescer, type Quiescer, withQuiesce } from "../../../operator/sdk/index.ts";
import { closeServer, Gate, listen, send, waitUntil } from "./http-helpers.ts";

let q: Quiescer;
let gate: Gate;
let server: http.Server;
let base: string;
let agent: http.Agent;
let openSockets: number;

const freeSockets = (): number =>
  Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);

beforeEach(async () => {
  q = createQuiescer();
  gate = new Gate();
  openSockets = 0;
  server = http.createServer(
    withQuiesce(q, (req, res) => {
      if (req.url === "/hold") void gate.hold().then(() => res.end("held"));
      else res.end("fast");
    }),
  );
  server.on("connection", (socket) => {
    openSockets += 1;
    socket.once("close", () => {
      openSockets -= 1;
    });
  });
  base = await listen(server);
  agent = new http.Agent({ keepAlive: true, maxSockets: 20 });
});
afterEach(async () => {
  agent.destroy();
  await closeServer(server);
});

it("closes idle pooled sockets on quiesce and marks in-flight responses Connection: close, without resets", async () => {
  // Warm the pool: 20 sockets, all idle afterwards.
  const warm = await Promise.all(Array.from({ length: 20 }, () => send(`${base}/fast`, { agent })));
  expect(warm.every((r) => r.status === 200 && r.headers.connection === "keep-alive")).toBe(true);
  await waitUntil("20 idle pooled sockets", () => freeSockets() === 20);

  const held = Array.from({ length: 10 }, () => send(`${base}/hold`, { agent }));
  await waitUntil("10 requests held", () => gate.size === 10);
  expect(freeSockets()).toBe(10);

  expect((await send(`${base}/quiesce`, { method: "POST" })).status).toBe(202);
  await waitUntil("the 10 idle pooled sockets closed", () => freeSockets() === 0 && openSockets === 10);

  gate.releaseAll();
  for (const reply of await Promise.all(held)) {
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe("close");
  }
  await waitUntil("every server socket closed", () => openSockets === 0);

  // The pool reconnects; new work is refused cleanly, never reset.
  const refused = await Promise.all(Array.from({ length: 20 }, () => send(`${base}/fast`, { agent })));
  expect(refused.map((r) => r.status)).toEqual(Array(20).fill(503));

  q.resume();
  const served = await Promise.all(Array.from({ length: 20 }, () => send(`${base}/fast`, { agent })));
  expect(served.map((r) => r.status)).toEqual(Array(20).fill(200));
});

it("closes a keep-alive socket whose response headers were sent before the quiesce, once it ends", async () => {
  let finishStream = (): void => {};
  const streaming = http.createServer(
    withQuiesce(q, (_req, res) => {
      res.writeHead(200);
      res.write("start ");
      finishStream = () => res.end("end");
    }),
  );
  const url = await listen(streaming);
  try {
    const reply = send(`${url}/stream`, { agent });
    await waitUntil("stream open", () => q.inFlight === 1);
    q.quiesce();
    finishStream();
    expect((await reply).body).toBe("start end");
    await waitUntil("pooled socket closed by the server", () => freeSockets() === 0);
    expect((await send(`${url}/stream`, { agent })).status).toBe(503);
  } finally {
    await closeServer(streaming);
  }
});

it("a settle poll with Quiesce-Release-Connections releases pooled sockets while new work is still served", async () => {
  await Promise.all(Array.from({ length: 6 }, () => send(`${base}/fast`, { agent })));
  await waitUntil("6 idle pooled sockets", () => freeSockets() === 6);
  const held = send(`${base}/hold`, { agent });
  await waitUntil("1 request held", () => gate.size === 1);

  const poll = await send(`${base}/quiesce`, { headers: { "Quiesce-Release-Connections": "30" } });
  expect(poll.status).toBe(200);
  expect(JSON.parse(poll.body).state).toBe("serving");
  expect(q.releasingConnections).toBe(true);
  // Idle sockets stay open (closing one races with a client reusing it); each is closed by its next answer.
  expect(freeSockets()).toBe(5);
  const accepted = q.status().accepted;
  const served = await Promise.all(Array.from({ length: 5 }, () => send(`${base}/fast`, { agent })));
  expect(served.map((r) => [r.status, r.headers.connection])).toEqual(Array(5).fill([200, "close"]));
  expect(q.status().accepted).toBe(accepted + 5);
  gate.releaseAll();
  expect((await held).headers.connection).toBe("close");
  await waitUntil("every server socket closed", () => openSockets === 0);

  // DELETE (resume) ends the release: keep-alive again.
  expect((await send(`${base}/quiesce`, { method: "DELETE" })).status).toBe(200);
  expect(q.releasingConnections).toBe(false);
  expect((await send(`${base}/fast`, { agent })).headers.connection).toBe("keep-alive");
});

it("a release runs out by itself; a header that is no positive integer releases nothing", async () => {
  for (const value of ["0", "-5", "soon", "1.5", ""]) {
    await send(`${base}/quiesce`, { headers: { "Quiesce-Release-Connections": value } });
    expect(q.releasingConnections, `header ${JSON.stringify(value)}`).toBe(false);
  }
  expect((await send(`${base}/fast`, { agent })).headers.connection).toBe("keep-alive");
  q.releaseConnections(0.2);
  expect(q.releasingConnections).toBe(true);
  expect((await send(`${base}/fast`, { agent })).headers.connection).toBe("close");
  await waitUntil("the release ran out", () => !q.releasingConnections);
  expect((await send(`${base}/fast`, { agent })).headers.connection).toBe("keep-alive");
  // A quiesce outlasts any release; resume ends both.
  q.releaseConnections(0.2);
  q.quiesce();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(q.releasingConnections).toBe(true);
  q.resume();
  expect(q.releasingConnections).toBe(false);
});
