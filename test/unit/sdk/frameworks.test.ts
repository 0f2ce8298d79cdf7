// The Express middleware and the Fastify plugin: same endpoint, gate and tracking as the node:http adapter.
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { createQuiescer, quiesceExpress, quiesceFastify } from "../../../operator/sdk/index.ts";
import { closeServer, Gate, listen, send, waitUntil } from "./http-helpers.ts";

const TOKEN = "framework-token";
const auth = { authorization: `Bearer ${TOKEN}` };

describe("Express middleware", () => {
  it("serves the endpoint and probes, tracks requests, refuses new ones while quiescing, allows the allow-list", async () => {
    const q = createQuiescer({ token: TOKEN, allow: (req) => req.headers["x-odi-token"] !== undefined });
    const gate = new Gate();
    const app = express();
    app.use(quiesceExpress(q));
    app.use(express.json());
    app.get("/work", async (_req, res) => {
      await gate.hold();
      res.json({ ok: true });
    });
    const server = http.createServer(app);
    const base = await listen(server);
    try {
      const held = send(`${base}/work`);
      await waitUntil("request held", () => gate.size === 1);
      expect(q.status()).toMatchObject({ inFlight: 1, accepted: 1 });
      expect((await send(`${base}/quiesce`, { method: "POST" })).status).toBe(401);
      expect((await send(`${base}/quiesce`, { method: "PUT", headers: auth })).status).toBe(405);
      const begun = await send(`${base}/quiesce`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: '{"reason":"test"}',
      });
      expect(begun.status).toBe(202);
      expect((await send(`${base}/work`)).status).toBe(503);
      expect((await send(`${base}/healthz`)).status).toBe(200);
      const allowed = send(`${base}/work`, { headers: { "x-odi-token": "1" } });
      await waitUntil("allow-listed request held", () => gate.size === 2);
      gate.releaseAll();
      expect((await held).status).toBe(200);
      expect((await allowed).status).toBe(200);
      await waitUntil("drained", () => q.state === "drained");
      const resumed = await send(`${base}/quiesce`, { method: "DELETE", headers: auth });
      expect(JSON.parse(resumed.body)).toEqual({
        state: "serving",
        inFlight: 0,
        accepted: 2,
        refused: 1,
        classes: { sync: 0 },
      });
    } finally {
      await closeServer(server);
    }
  });

  it("still answers the endpoint when a body parser is mounted before it (the body it read counts as empty)", async () => {
    const q = createQuiescer({ token: TOKEN });
    const app = express();
    app.use(express.json());
    app.use(quiesceExpress(q));
    const server = http.createServer(app);
    const base = await listen(server);
    try {
      const begun = await send(`${base}/quiesce`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: '{"reason":"read by express.json"}',
      });
      expect(begun.status).toBe(202);
      expect(q.state).toBe("drained");
    } finally {
      await closeServer(server);
    }
  });
});

describe("Fastify plugin", () => {
  it("gates every route from the root instance, answers the endpoint before body parsing, and tracks requests", async () => {
    const q = createQuiescer({ token: TOKEN });
    const gate = new Gate();
    const app = Fastify();
    await app.register(quiesceFastify(q));
    await app.register(async (child) => {
      child.get("/work", async () => {
        await gate.hold();
        return { ok: true };
      });
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const held = send(`${base}/work`);
      await waitUntil("request held", () => gate.size === 1);
      expect(q.status()).toMatchObject({ inFlight: 1, accepted: 1 });
      const tooLarge = await send(`${base}/quiesce`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ reason: "x".repeat(4000) }),
      });
      expect(tooLarge.status).toBe(413);
      expect(q.state).toBe("serving");
      const begun = await send(`${base}/quiesce`, { method: "POST", headers: auth });
      expect(begun.status).toBe(202);
      expect(JSON.parse(begun.body)).toMatchObject({ state: "quiescing", inFlight: 1 });
      const refused = await send(`${base}/work`);
      expect(refused.status).toBe(503);
      expect(refused.headers["retry-after"]).toBe("5");
      expect((await send(`${base}/healthz`)).status).toBe(200);
      gate.releaseAll();
      const done = await held;
      expect(done.status).toBe(200);
      expect(done.headers.connection).toBe("close");
      await waitUntil("drained", () => q.state === "drained");
      expect((await send(`${base}/quiesce`, { method: "DELETE", headers: auth })).status).toBe(200);
      expect(q.state).toBe("serving");
    } finally {
      await app.close();
    }
  });
});
