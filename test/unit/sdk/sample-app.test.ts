// The sample app, in-process and as the node agent runs it (a child process on a 127.1.x.y pod IP).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createQuiesceClient } from "../../../operator/quiesce/client.ts";
import { type SampleApp, startSampleApp } from "../../sample-app/app.ts";
import { send, waitUntil } from "./http-helpers.ts";

const silent = pino({ level: "silent" });
const apps: SampleApp[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function start(adminPort?: number, token?: string): Promise<SampleApp> {
  const app = await startSampleApp(
    { port: 0, adminPort, host: "127.0.0.1", podName: "sample-0", token },
    { logger: silent },
  );
  apps.push(app);
  return app;
}

describe("sample app in-process", () => {
  it("serves /work with the pod name, streams, and tracks queued jobs until they finish", async () => {
    const app = await start();
    const base = `http://127.0.0.1:${app.address.port}`;
    const work = await send(`${base}/work?ms=5`);
    expect(work.status).toBe(200);
    expect(JSON.parse(work.body)).toEqual({ pod: "sample-0", work: "done", ms: 5 });
    expect((await send(`${base}/work?ms=-1`)).status).toBe(400);

    const stream = send(`${base}/stream?ms=300&intervalMs=50`);
    const job = await send(`${base}/jobs?ms=400`, { method: "POST" });
    expect(job.status).toBe(202);
    await waitUntil("stream counted", () => (app.quiescer.status().classes?.stream ?? 0) === 1);
    expect(app.quiescer.status().classes).toMatchObject({ stream: 1, queued: 1 });
    const lines = (await stream).body.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(lines.at(-1) ?? "")).toMatchObject({ end: true });
    await waitUntil("queued job finished", () => app.quiescer.inFlight === 0);
  });

  it("is quiesced by the operator's client on the admin port, which the main port does not expose", async () => {
    const app = await start(0, "tkn");
    const { port, adminPort } = app.address;
    expect(adminPort).toBeDefined();
    const base = `http://127.0.0.1:${port}`;
    expect((await send(`${base}/quiesce`)).status).toBe(404);
    expect((await send(`${base}/healthz`)).status).toBe(200);
    const client = createQuiesceClient({
      podIP: "127.0.0.1",
      port: adminPort ?? 0,
      path: "/quiesce",
      scheme: "HTTP",
      token: "tkn",
      requestTimeoutMs: 1000,
    });
    const held = send(`${base}/work?ms=300`);
    await waitUntil("work in flight", () => app.quiescer.inFlight === 1);
    expect(await client.quiesce("test")).toMatchObject({
      ok: true,
      status: { state: "quiescing", inFlight: 1 },
    });
    expect((await send(`${base}/work`)).status).toBe(503);
    expect((await send(`${base}/work?ms=1`, { headers: { "x-quiesce-allow": "1" } })).status).toBe(200);
    expect((await send(`http://127.0.0.1:${adminPort}/readyz`)).status).toBe(503);
    expect((await held).status).toBe(200);
    const drained = await client.status();
    // Accepted: the 404 for /quiesce on the main port (the app answered it), the held request, the allowed one.
    expect(drained).toMatchObject({
      ok: true,
      status: { state: "drained", inFlight: 0, accepted: 3, refused: 1 },
    });
    expect(await client.unquiesce()).toMatchObject({ ok: true, status: { state: "serving" } });
    expect((await send(`${base}/work`)).status).toBe(200);
  });
});

describe("sample app as a pod's container command", () => {
  it("binds POD_IP, and on SIGTERM finishes in-flight work, then exits 0", async () => {
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    const podIP = `127.1.${Math.floor(Math.random() * 200) + 1}.${Math.floor(Math.random() * 200) + 1}`;
    // The repository's Node 24 (vitest itself may run on an older node from PATH).
    const node = join(root, "node_modules/.bin/node");
    const child = spawn(node, ["test/sample-app/main.ts", "--port", "0"], {
      cwd: root,
      env: { ...process.env, POD_IP: podIP, POD_NAME: "pod-a" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitUntil("listening log line", () => output.includes("sample app listening"), 10_000);
    const listening = JSON.parse(output.split("\n")[0] ?? "") as { host: string; port: number; pod: string };
    expect(listening).toMatchObject({ host: podIP, pod: "pod-a" });
    const base = `http://${podIP}:${listening.port}`;

    const held = send(`${base}/work?ms=400`);
    const deadline = Date.now() + 5000;
    for (;;) {
      const status = JSON.parse((await send(`${base}/quiesce`)).body) as { inFlight: number };
      if (status.inFlight === 1) break;
      if (Date.now() > deadline) throw new Error("held request never reached the app");
    }
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const reply = await held;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ pod: "pod-a" });
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('"outcome":"drained"');
  });
});
