// A quiesce across real HTTP traffic (node:http adapter): in-flight work finishes, new work is refused, probes stay up.
import http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createQuiescer, type Quiescer, withQuiesce } from "../../../operator/sdk/index.ts";
import { closeServer, Gate, listen, send, waitUntil } from "./http-helpers.ts";

let q: Quiescer;
let gate: Gate;
let server: http.Server;
let base: string;
let streamTicks: Gate;

beforeEach(async () => {
  q = createQuiescer({
    allow: (req) => req.headers["x-odi-token"] !== undefined,
    classify: (req) => (req.url?.startsWith("/stream") ? "stream" : "sync"),
    retryAfterSeconds: 7,
  });
  gate = new Gate();
  streamTicks = new Gate();
  server = http.createServer(
    withQuiesce(q, (req, res) => {
      if (req.url?.startsWith("/stream")) {
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("tick\n");
        void streamTicks.hold().then(() => res.end("last\n"));
        return;
      }
      void gate.hold().then(() => res.end(JSON.stringify({ ok: true })));
    }),
  );
  base = await listen(server);
});
afterEach(() => closeServer(server));

describe("quiesce with traffic (node:http)", () => {
  it("lets in-flight requests finish, refuses new ones with 503 + Retry-After, and drains", async () => {
    const inFlight = Array.from({ length: 5 }, () => send(`${base}/work`));
    await waitUntil("5 requests in flight", () => gate.size === 5);
    expect(q.status()).toMatchObject({ state: "serving", inFlight: 5, accepted: 5, classes: { sync: 5 } });

    const begun = await send(`${base}/quiesce`, { method: "POST" });
    expect(begun.status).toBe(202);
    expect(JSON.parse(begun.body)).toMatchObject({ state: "quiescing", inFlight: 5 });

    const refused = await send(`${base}/work`);
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("7");
    expect(refused.headers.connection).toBe("close");
    expect(JSON.parse(refused.body)).toMatchObject({ error: "quiescing" });
    expect(q.status()).toMatchObject({ inFlight: 5, accepted: 5, refused: 1 });

    gate.releaseAll();
    const replies = await Promise.all(inFlight);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.headers.connection).toBe("close");
    }
    await waitUntil("drained", () => q.state === "drained");
    const status = await send(`${base}/quiesce`);
    expect(JSON.parse(status.body)).toEqual({
      state: "drained",
      inFlight: 0,
      accepted: 5,
      refused: 1,
      classes: { sync: 0 },
    });
  });

  it("serves allow-listed requests while quiescing, counting them in flight and accepted", async () => {
    q.quiesce();
    const allowed = send(`${base}/work`, { headers: { "x-odi-token": "abc" } });
    await waitUntil("allow-listed request in flight", () => gate.size === 1);
    expect(q.status()).toMatchObject({ state: "quiescing", inFlight: 1, accepted: 1 });
    expect((await send(`${base}/work`)).status).toBe(503);
    gate.releaseAll();
    expect((await allowed).status).toBe(200);
    await waitUntil("drained", () => q.state === "drained");
  });

  it("DELETE resumes serving new work", async () => {
    expect((await send(`${base}/quiesce`, { method: "POST" })).status).toBe(202);
    expect((await send(`${base}/work`)).status).toBe(503);
    const resumed = await send(`${base}/quiesce`, { method: "DELETE" });
    expect(JSON.parse(resumed.body)).toMatchObject({ state: "serving" });
    const agent = new http.Agent({ keepAlive: true });
    const work = send(`${base}/work`, { agent });
    await waitUntil("request admitted", () => gate.size === 1);
    gate.releaseAll();
    const reply = await work;
    agent.destroy();
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe("keep-alive");
  });

  it("counts a streaming session in flight until it ends, even after its headers were sent", async () => {
    const stream = send(`${base}/stream`);
    await waitUntil("stream open", () => streamTicks.size === 1);
    q.quiesce();
    expect(q.status()).toMatchObject({ state: "quiescing", inFlight: 1, classes: { stream: 1 } });
    streamTicks.releaseAll();
    const reply = await stream;
    expect(reply.body).toBe("tick\nlast\n");
    await waitUntil("drained", () => q.state === "drained");
  });

  it("keeps liveness 200 throughout, while readiness turns 503", async () => {
    const probe = async (): Promise<[number, number]> => [
      (await send(`${base}/healthz`)).status,
      (await send(`${base}/readyz`)).status,
    ];
    expect(await probe()).toEqual([200, 200]);
    const work = send(`${base}/work`);
    await waitUntil("request in flight", () => gate.size === 1);
    q.quiesce();
    expect(q.state).toBe("quiescing");
    expect(await probe()).toEqual([200, 503]);
    gate.releaseAll();
    await work;
    await waitUntil("drained", () => q.state === "drained");
    expect(await probe()).toEqual([200, 503]);
    q.resume();
    expect(await probe()).toEqual([200, 200]);
    expect(q.status().accepted).toBe(1);
  });

  it("keeps inFlight exact under 1,000 concurrent requests and reaches 0 exactly when the last one ends", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    const closed: number[] = [];
    server.on("request", (_req, res: http.ServerResponse) =>
      res.once("close", () => closed.push(q.inFlight)),
    );
    try {
      const requests = Array.from({ length: 1000 }, () => send(`${base}/work`, { agent }));
      await waitUntil("1,000 requests in flight", () => gate.size === 1000, 20_000);
      expect(q.status()).toMatchObject({ inFlight: 1000, accepted: 1000 });
      q.quiesce();
      const states: string[] = [];
      q.onStateChange((c) => states.push(`${c.to}@${closed.length}`));
      // Release one at a time: after each response closes, inFlight must be exactly what remains.
      for (let remaining = 999; remaining >= 0; remaining--) {
        gate.releaseOne();
        await waitUntil(`response ${1000 - remaining} closed`, () => closed.length === 1000 - remaining);
        expect(q.inFlight).toBe(remaining);
        expect(q.state).toBe(remaining === 0 ? "drained" : "quiescing");
      }
      expect(closed).toEqual(Array.from({ length: 1000 }, (_, i) => 999 - i));
      expect(states).toEqual(["drained@999"]);
      const replies = await Promise.all(requests);
      expect(replies.every((r) => r.status === 200)).toBe(true);
    } finally {
      agent.destroy();
    }
  });
});
