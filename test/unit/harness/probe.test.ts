import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, probeTiming, resolvePort, ThresholdTracker } from "../../harness/node-agent/probe.ts";

describe("ThresholdTracker", () => {
  it("flips only after the configured consecutive results", () => {
    const t = new ThresholdTracker(false, { successThreshold: 2, failureThreshold: 3 });
    expect(t.observe(true)).toBe(false);
    expect(t.observe(true)).toBe(true);
    expect(t.observe(false)).toBe(true);
    expect(t.observe(false)).toBe(true);
    expect(t.observe(true)).toBe(true);
    expect(t.observe(false)).toBe(true);
    expect(t.observe(false)).toBe(true);
    expect(t.observe(false)).toBe(false);
  });
});

describe("probeTiming", () => {
  it("applies the Kubernetes defaults", () => {
    expect(probeTiming({})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
  });
});

describe("resolvePort", () => {
  const container = { name: "app", ports: [{ name: "http", containerPort: 8080 }] };
  it("resolves numbers, numeric strings and named ports", () => {
    expect(resolvePort(9000, container)).toBe(9000);
    expect(resolvePort("9001", container)).toBe(9001);
    expect(resolvePort("http", container)).toBe(8080);
    expect(() => resolvePort("admin", container)).toThrow(/no port named "admin"/);
  });
});

describe("httpGet probe", () => {
  let server: Server;
  let port = 0;
  const ip = "127.1.251.3";
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 1000);
      res.statusCode = req.url === "/healthz" ? 200 : req.url === "/redirect" ? 302 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, ip, resolve));
    const address = server.address();
    if (typeof address !== "object" || !address) throw new Error("no address");
    port = address.port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const container = () => ({ name: "app", ports: [{ name: "http", containerPort: port }] });

  it("succeeds on 2xx and 3xx, fails otherwise, against the pod IP", async () => {
    expect((await httpGet({ path: "/healthz", port: "http" }, container(), ip, 1000)).ok).toBe(true);
    expect((await httpGet({ path: "/redirect", port }, container(), ip, 1000)).ok).toBe(true);
    expect(await httpGet({ path: "/bad", port }, container(), ip, 1000)).toEqual({
      ok: false,
      detail: "HTTP 503",
    });
  });

  it("fails on timeout and on a closed port", async () => {
    const slow = await httpGet({ path: "/slow", port }, container(), ip, 100);
    expect(slow.ok).toBe(false);
    expect(slow.detail).toMatch(/timeout/);
    expect((await httpGet({ path: "/", port }, container(), "127.1.251.4", 500)).ok).toBe(false);
  });
});
