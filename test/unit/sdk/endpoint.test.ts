// The quiesce endpoint over real HTTP: every method, auth, version, body checks, none of which changes state on error.
import http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { statusBodySchema } from "../../../operator/protocol/quiesce-protocol.ts";
import { createQuiescer, type Quiescer, withQuiesce } from "../../../operator/sdk/index.ts";
import { closeServer, listen, send } from "./http-helpers.ts";

const TOKEN = "s3cret-token-value";
const auth = { authorization: `Bearer ${TOKEN}` };

let q: Quiescer;
let server: http.Server;
let base: string;
let reasons: Array<string | undefined>;

beforeEach(async () => {
  q = createQuiescer({ token: TOKEN });
  reasons = [];
  q.onStateChange((c) => reasons.push(c.reason));
  server = http.createServer(withQuiesce(q, (_req, res) => res.end("app")));
  base = await listen(server);
});
afterEach(() => closeServer(server));

describe("quiesce endpoint", () => {
  it("GET returns the status body with protocol headers", async () => {
    const reply = await send(`${base}/quiesce`, { headers: auth });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^application\/json/);
    expect(reply.headers["quiesce-protocol-version"]).toBe("1");
    expect(reply.headers["cache-control"]).toBe("no-store");
    expect(statusBodySchema.parse(JSON.parse(reply.body))).toEqual({
      state: "serving",
      inFlight: 0,
      accepted: 0,
      refused: 0,
      classes: {},
    });
  });

  it("POST begins quiescing (202, idempotent) and DELETE resumes (200, idempotent)", async () => {
    for (let i = 0; i < 2; i++) {
      const reply = await send(`${base}/quiesce`, { method: "POST", headers: auth });
      expect(reply.status).toBe(202);
      expect(JSON.parse(reply.body)).toMatchObject({ state: "drained", inFlight: 0 });
    }
    expect((await send(`${base}/work`)).status).toBe(503);
    for (let i = 0; i < 2; i++) {
      const reply = await send(`${base}/quiesce`, { method: "DELETE", headers: auth });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ state: "serving" });
    }
    expect((await send(`${base}/work`)).status).toBe(200);
    expect(reasons).toEqual([undefined, undefined]);
  });

  it("passes the optional JSON reason to listeners", async () => {
    const reply = await send(`${base}/quiesce`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ reason: "rollout" }),
    });
    expect(reply.status).toBe(202);
    expect(reasons).toEqual(["rollout"]);
  });

  it("accepts an explicit protocol version 1", async () => {
    const reply = await send(`${base}/quiesce`, { headers: { ...auth, "quiesce-protocol-version": "1" } });
    expect(reply.status).toBe(200);
  });

  const bad: Array<{ name: string; init: Parameters<typeof send>[1]; status: number; error: string }> = [
    { name: "no token", init: { method: "POST" }, status: 401, error: "unauthorized" },
    {
      name: "wrong token",
      init: { method: "POST", headers: { authorization: "Bearer nope" } },
      status: 401,
      error: "unauthorized",
    },
    {
      name: "token not as bearer",
      init: { method: "POST", headers: { authorization: `Basic ${TOKEN}` } },
      status: 401,
      error: "unauthorized",
    },
    { name: "PUT", init: { method: "PUT", headers: auth }, status: 405, error: "method-not-allowed" },
    { name: "PATCH", init: { method: "PATCH", headers: auth }, status: 405, error: "method-not-allowed" },
    {
      name: "unknown protocol version",
      init: { method: "POST", headers: { ...auth, "quiesce-protocol-version": "2" } },
      status: 400,
      error: "unsupported-protocol-version",
    },
    {
      name: "oversized body (declared)",
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: "x".repeat(2048),
      },
      status: 413,
      error: "body-too-large",
    },
    {
      name: "malformed JSON",
      init: { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{nope" },
      status: 400,
      error: "malformed-body",
    },
    {
      name: "JSON that is not an object",
      init: { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "[1]" },
      status: 400,
      error: "malformed-body",
    },
    {
      name: "reason too long",
      init: {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ reason: "r".repeat(300) }),
      },
      status: 400,
      error: "malformed-body",
    },
    {
      name: "non-JSON media type",
      init: { method: "POST", headers: { ...auth, "content-type": "text/plain" }, body: "quiesce" },
      status: 415,
      error: "unsupported-media-type",
    },
  ];

  for (const { name, init, status, error } of bad) {
    it(`answers ${status} for ${name} and does not change state`, async () => {
      const reply = await send(`${base}/quiesce`, init);
      expect(reply.status).toBe(status);
      expect(JSON.parse(reply.body)).toMatchObject({ error });
      expect(reply.headers.connection).toBe("close");
      if (status === 401) expect(reply.headers["www-authenticate"]).toMatch(/^Bearer/);
      if (status === 405) expect(reply.headers.allow).toBe("GET, POST, DELETE");
      expect(q.status()).toMatchObject({ state: "serving", accepted: 0 });
      expect(reasons).toEqual([]);
    });
  }

  it("answers 413 to an oversized chunked body without reading all of it, and does not change state", async () => {
    const reply = await new Promise<{ status: number }>((resolve, reject) => {
      const req = http.request(`${base}/quiesce`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json", "transfer-encoding": "chunked" },
        agent: false,
      });
      req.on("response", (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(512, 0x20);
      let sent = 0;
      // Keep writing until the server answers; it must not wait for (or buffer) the whole body.
      const pump = (): void => {
        if (req.destroyed || sent > 64 * 1024 * 1024) return;
        sent += chunk.length;
        if (req.write(chunk)) setImmediate(pump);
        else req.once("drain", pump);
      };
      pump();
    });
    expect(reply.status).toBe(413);
    expect(q.state).toBe("serving");
  });

  it("leaves the endpoint open when no token is configured", async () => {
    const open = createQuiescer();
    const s = http.createServer(withQuiesce(open, (_req, res) => res.end()));
    const url = await listen(s);
    try {
      expect((await send(`${url}/quiesce`, { method: "POST" })).status).toBe(202);
      expect(open.state).toBe("drained");
    } finally {
      await closeServer(s);
    }
  });
});
