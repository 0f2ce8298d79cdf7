// The operator's quiesce client against real loopback servers that behave, misbehave and attack.
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createQuiesceClient, type QuiesceEndpoint } from "../../../operator/quiesce/client.ts";
import { FakeClock } from "../../../operator/runtime/clock.ts";
import { createQuiescer, withQuiesce } from "../../../operator/sdk/index.ts";

const TOKEN = "tok-9f8e7d6c5b4a";
const STATUS = { state: "quiescing", inFlight: 3, accepted: 42, classes: { sync: 3 } };

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  server: http.Server | https.Server = http.createServer(),
): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

const endpoint = (port: number, extra: Partial<QuiesceEndpoint> = {}): QuiesceEndpoint => ({
  podIP: "127.0.0.1",
  port,
  path: "/quiesce",
  scheme: "HTTP",
  token: TOKEN,
  requestTimeoutMs: 2000,
  ...extra,
});

const json = (res: http.ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { "content-type": "application/json", "quiesce-protocol-version": "1" });
  res.end(JSON.stringify(body));
};

describe("quiesce client: well-behaved app", () => {
  it("sends POST/GET/DELETE with the bearer token, version header and JSON reason, and parses the status", async () => {
    const { port, seen } = await serve((req, res) => json(res, req.method === "POST" ? 202 : 200, STATUS));
    const client = createQuiesceClient(endpoint(port));
    expect(await client.quiesce("rollout")).toEqual({ ok: true, status: STATUS, httpStatus: 202 });
    expect(await client.status()).toMatchObject({ ok: true, httpStatus: 200 });
    expect(await client.unquiesce()).toMatchObject({ ok: true });
    expect(seen.map((s) => s.method)).toEqual(["POST", "GET", "DELETE"]);
    for (const s of seen) {
      expect(s.url).toBe("/quiesce");
      expect(s.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(s.headers["quiesce-protocol-version"]).toBe("1");
      expect(s.headers.host).toBe(`127.0.0.1:${port}`);
    }
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ reason: "rollout" });
    expect(seen[1]?.body).toBe("");
  });

  it("asks for a release of pooled connections only when told, in whole seconds", async () => {
    const { port, seen } = await serve((_req, res) => json(res, 200, STATUS));
    const client = createQuiesceClient(endpoint(port));
    await client.status({ releaseSeconds: 29.2 });
    await client.status();
    await client.status({ releaseSeconds: 0 });
    await client.quiesce();
    expect(seen.map((s) => s.headers["quiesce-release-connections"])).toEqual([
      "30",
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("trims a trailing newline from the token and sends no Authorization header without one", async () => {
    const { port, seen } = await serve((_req, res) => json(res, 200, STATUS));
    await createQuiesceClient(endpoint(port, { token: `${TOKEN}\n` })).status();
    await createQuiesceClient(endpoint(port, { token: undefined })).status();
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[1]?.headers.authorization).toBeUndefined();
  });

  it("ignores unknown fields in the status body", async () => {
    const { port } = await serve((_req, res) => json(res, 200, { ...STATUS, extra: "ok" }));
    expect(await createQuiesceClient(endpoint(port)).status()).toEqual({
      ok: true,
      status: STATUS,
      httpStatus: 200,
    });
  });

  it("speaks to the SDK: begin, status, resume, and unauthorized with a wrong token", async () => {
    const q = createQuiescer({ token: TOKEN });
    const release = q.accept();
    const { port } = await serve(() => {}, http.createServer(withQuiesce(q, (_req, res) => res.end())));
    const client = createQuiesceClient(endpoint(port));
    expect(await client.quiesce("test")).toMatchObject({
      ok: true,
      httpStatus: 202,
      status: { state: "quiescing", inFlight: 1 },
    });
    release();
    expect(await client.status()).toMatchObject({
      ok: true,
      status: { state: "drained", inFlight: 0, accepted: 1 },
    });
    const wrong = await createQuiesceClient(endpoint(port, { token: "wrong" })).unquiesce();
    expect(wrong).toMatchObject({ ok: false, kind: "unauthorized", httpStatus: 401 });
    expect(q.state).toBe("drained");
    expect(await client.unquiesce()).toMatchObject({ ok: true, status: { state: "serving" } });
  });

  it("accepts a self-signed certificate over HTTPS", async () => {
    const tls = https.createServer({
      key: readFileSync(new URL("./fixtures/self-signed.key", import.meta.url)),
      cert: readFileSync(new URL("./fixtures/self-signed.crt", import.meta.url)),
    });
    const { port, seen } = await serve((_req, res) => json(res, 200, STATUS), tls);
    expect(await createQuiesceClient(endpoint(port, { scheme: "HTTPS" })).status()).toMatchObject({
      ok: true,
    });
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });
});

describe("quiesce client: misbehaving app", () => {
  it("reports a refused connection", async () => {
    const { port } = await serve(() => {});
    await cleanups.pop()?.();
    const result = await createQuiesceClient(endpoint(port)).status();
    expect(result).toMatchObject({ ok: false, kind: "refused" });
    if (!result.ok) expect(result.message).toContain(`http://127.0.0.1:${port}/quiesce`);
  });

  it("reports a 500 as http-status, with the app's error code when it sends one", async () => {
    const { port } = await serve((_req, res) => json(res, 500, { error: "quiescing", message: "x" }));
    const result = await createQuiesceClient(endpoint(port)).quiesce();
    expect(result).toMatchObject({ ok: false, kind: "http-status", httpStatus: 500 });
    if (!result.ok) expect(result.message).toContain("500 (quiescing)");
  });

  it("times out on an app that never answers", async () => {
    const { port } = await serve(() => {});
    const started = Date.now();
    const result = await createQuiesceClient(endpoint(port, { requestTimeoutMs: 200 })).status();
    expect(result).toMatchObject({ ok: false, kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("times out on an app that trickles bytes past the deadline", async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const timer = setInterval(() => res.write(" "), 20);
      res.on("close", () => clearInterval(timer));
    });
    const started = Date.now();
    const result = await createQuiesceClient(endpoint(port, { requestTimeoutMs: 300 })).status();
    expect(result).toMatchObject({ ok: false, kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("uses the injected clock for its deadline", async () => {
    const clock = new FakeClock();
    const { port } = await serve(() => {});
    const pending = createQuiesceClient(endpoint(port, { requestTimeoutMs: 60_000 }), { clock }).status();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(clock.pending()).toBe(1);
    clock.advance(60_000);
    expect(await pending).toMatchObject({ ok: false, kind: "timeout" });
    expect(clock.pending()).toBe(0);
  });

  const badBodies: Array<[string, string]> = [
    ["invalid JSON", "{not json"],
    ["negative inFlight", JSON.stringify({ ...STATUS, inFlight: -1 })],
    ["non-numeric inFlight", JSON.stringify({ ...STATUS, inFlight: "3" })],
    ["unknown state", JSON.stringify({ ...STATUS, state: "sleeping" })],
    ["an array", "[]"],
  ];
  for (const [name, body] of badBodies) {
    it(`rejects a status body with ${name}`, async () => {
      const { port } = await serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(body);
      });
      expect(await createQuiesceClient(endpoint(port)).status()).toMatchObject({
        ok: false,
        kind: "invalid-body",
      });
    });
  }

  // A counter the app got wrong costs the settle its evidence, not the drain its status.
  const badCounters: Array<[string, Record<string, unknown>, string]> = [
    ["fractional accepted", { ...STATUS, accepted: 1.5 }, "accepted is not a count (1.5)"],
    ["missing accepted", { state: "serving", inFlight: 0 }, "accepted is missing"],
    ["a string refused", { ...STATUS, refused: "7" }, 'refused is not a count ("7")'],
  ];
  for (const [name, body, issue] of badCounters) {
    it(`reads a status body with ${name}: usable, the counter absent, the issue named`, async () => {
      const { port } = await serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
      const out = await createQuiesceClient(endpoint(port)).status();
      expect(out).toMatchObject({ ok: true, status: { state: body.state, counterIssue: issue } });
    });
  }

  it("drops a negative class count, keeping the status", async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...STATUS, classes: { sync: -2 } }));
    });
    const out = await createQuiesceClient(endpoint(port)).status();
    expect(out).toMatchObject({ ok: true, status: { state: STATUS.state, inFlight: STATUS.inFlight } });
    expect(out.ok && out.status.classes).toBeFalsy();
  });

  it("aborts a 50 MB streamed body early, reading no more than the limit plus a little", async () => {
    let written = 0;
    let socketClosed = false;
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.on("close", () => {
        socketClosed = true;
      });
      const pump = (): void => {
        while (written < 50 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    const result = await createQuiesceClient(endpoint(port)).status();
    expect(result).toMatchObject({ ok: false, kind: "too-large", httpStatus: 200 });
    const deadline = Date.now() + 5000;
    while (!socketClosed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(socketClosed).toBe(true);
    // Socket buffers let the server push some megabytes before back-pressure; never the whole 50 MB.
    expect(written).toBeLessThan(20 * 1024 * 1024);
  });

  it("aborts at once when the declared Content-Length exceeds the limit", async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(50 * 1024 * 1024) });
      res.write("{");
    });
    const result = await createQuiesceClient(endpoint(port, { maxBodyBytes: 1024 })).status();
    expect(result).toMatchObject({ ok: false, kind: "too-large" });
  });

  it("does not follow a redirect", async () => {
    const target = await serve((_req, res) => json(res, 200, STATUS));
    const { port } = await serve((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/quiesce` });
      res.end();
    });
    const result = await createQuiesceClient(endpoint(port)).quiesce();
    expect(result).toMatchObject({ ok: false, kind: "http-status", httpStatus: 302 });
    expect(target.seen).toHaveLength(0);
  });

  it("reports another protocol version", async () => {
    const { port } = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "quiesce-protocol-version": "2" });
      res.end(JSON.stringify(STATUS));
    });
    expect(await createQuiesceClient(endpoint(port)).status()).toMatchObject({
      ok: false,
      kind: "protocol-version",
    });
  });

  it("never puts the token in a message, even when the app echoes it back", async () => {
    const { port } = await serve((req, res) => {
      const echoed = req.headers.authorization ?? "";
      res.writeHead(req.method === "GET" ? 200 : 500, { "content-type": "application/json" });
      res.end(`{"oops": ${echoed}`);
    });
    const client = createQuiesceClient(endpoint(port));
    for (const result of [await client.status(), await client.quiesce()]) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).not.toContain(TOKEN);
    }
  });

  it("answers invalid-endpoint without dialling anything for a host name, bad port or bad path", async () => {
    for (const bad of [
      { podIP: "example.com" },
      { port: 0 },
      { path: "quiesce" },
      { path: "/a b" },
      { token: "a\nb" },
    ]) {
      const result = await createQuiesceClient(endpoint(1, bad)).status();
      expect(result).toMatchObject({ ok: false, kind: "invalid-endpoint" });
      if (!result.ok) expect(result.message).not.toContain("a\nb");
    }
  });
});
