// The SDK as a package: npm pack, installed offline into apps outside the repo, a quiesce round trip on Node 20 and 24.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../harness/wait-for.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = join(ROOT, "node_modules", ".bin");
const NODE_24 = join(BIN, "node");
/** Children get no npm_* variables of a surrounding `npm run` (they would point npm at this repository). */
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")),
);

/** The machine's own Node (the first `node` on PATH outside node_modules/.bin): the oldest Node the SDK supports. */
function systemNode(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || dir.includes("node_modules")) continue;
    try {
      const bin = join(dir, "node");
      execFileSync(bin, ["--version"]);
      return bin;
    } catch {}
  }
  throw new Error(`no node on PATH outside node_modules/.bin (PATH=${process.env.PATH})`);
}

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, env: ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} in ${cwd} failed: ${e.message}\n${e.stderr ?? ""}`);
  }
}

/** The scratch app: `node app.mjs http|express|fastify`; /work is held until a line arrives on stdin. */
const APP = `
import http from "node:http";
import { createQuiescer, quiesceExpress, quiesceFastify, withQuiesce } from "@quiesce-operator/sdk";
const kind = process.argv[2];
const q = createQuiescer({ retryAfterSeconds: 3 });
const held = [];
const hold = () => new Promise((release) => held.push(release));
process.stdin.on("data", () => { for (const release of held.splice(0)) release(); });
let server;
if (kind === "http") {
  server = http.createServer(withQuiesce(q, (_req, res) => void hold().then(() => res.end('{"work":"done"}'))));
} else if (kind === "express") {
  const { default: express } = await import("express");
  const app = express();
  app.use(quiesceExpress(q));
  app.get("/work", async (_req, res) => { await hold(); res.json({ work: "done" }); });
  server = http.createServer(app);
} else {
  const { default: Fastify } = await import("fastify");
  const app = Fastify();
  await app.register(quiesceFastify(q));
  app.get("/work", async () => { await hold(); return { work: "done" }; });
  await app.ready();
  server = app.server;
}
server.listen(0, "127.0.0.1", () => {
  const sdk = import.meta.resolve("@quiesce-operator/sdk");
  console.log(JSON.stringify({ port: server.address().port, node: process.version, sdk }));
});
`;

/** A consumer typed against the installed declarations (tsc, strict, nodenext). */
const CONSUMER = `
import http from "node:http";
import express from "express";
import Fastify from "fastify";
import { createQuiescer, quiesceExpress, quiesceFastify, type QuiesceStatus, withQuiesce } from "@quiesce-operator/sdk";
const q = createQuiescer({ token: "t" });
const status: QuiesceStatus = q.status();
http.createServer(withQuiesce(q, (_req, res) => res.end(status.state)));
express().use(quiesceExpress(q));
await Fastify().register(quiesceFastify(q));
`;

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

function call(port: number, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((done, fail) => {
    const headers = body === undefined ? {} : { "content-type": "application/json" };
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on("error", fail);
    });
    req.on("error", (err) => fail(new Error(`${method} ${path} on port ${port}: ${err.message}`)));
    req.end(body);
  });
}

type App = { child: ChildProcess; port: number; node: string; sdk: string; log: () => string };

/** Starts the scratch app; resolves once it listens, rejects when it exits first or takes over 15 s. */
function startApp(node: string, dir: string, kind: string): Promise<App> {
  const child = spawn(node, ["app.mjs", kind], { cwd: dir, env: ENV, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill();
      fail(new Error(`${kind} app on ${node} did not listen within 15 s; output: ${out}`));
    }, 15_000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`${kind} app on ${node} exited (${code ?? signal}) before listening; output: ${out}`));
    });
    child.stderr?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("{") && l.endsWith("}"));
      if (line === undefined) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { port: number; node: string; sdk: string };
      done({ child, ...info, log: () => out });
    });
  });
}

async function status(port: number): Promise<Record<string, unknown>> {
  const reply = await call(port, "GET", "/quiesce");
  expect(reply.status).toBe(200);
  expect(reply.headers["quiesce-protocol-version"]).toBe("1");
  return JSON.parse(reply.body) as Record<string, unknown>;
}

/** Status, a held request, quiesce, refusal with 503, the held request finishing, drained, resume. */
async function roundTrip(app: App): Promise<void> {
  const { port } = app;
  expect(await status(port)).toMatchObject({ state: "serving", inFlight: 0, accepted: 0 });
  const long = call(port, "GET", "/work");
  await waitFor(async () => (await status(port)).inFlight === 1, {
    what: "the held request",
    timeoutMs: 5000,
  });
  const begun = await call(port, "POST", "/quiesce", '{"reason":"sdk-package test"}');
  expect(begun.status).toBe(202);
  expect(JSON.parse(begun.body)).toMatchObject({ state: "quiescing", inFlight: 1, accepted: 1 });
  const refused = await call(port, "GET", "/work");
  expect(refused.status).toBe(503);
  expect(refused.headers["retry-after"]).toBe("3");
  expect(JSON.parse(refused.body)).toMatchObject({ error: "quiescing" });
  expect((await call(port, "GET", "/readyz")).status).toBe(503);
  expect((await call(port, "GET", "/healthz")).status).toBe(200);
  expect(await status(port)).toMatchObject({ state: "quiescing", inFlight: 1, accepted: 1, refused: 1 });
  app.child.stdin?.write("release\n");
  const finished = await long;
  expect(finished.status).toBe(200);
  expect(JSON.parse(finished.body)).toEqual({ work: "done" });
  await waitFor(async () => (await status(port)).state === "drained", { what: "drained", timeoutMs: 5000 });
  expect(await status(port)).toMatchObject({ state: "drained", inFlight: 0, accepted: 1, refused: 1 });
  const resumed = await call(port, "DELETE", "/quiesce");
  expect(resumed.status).toBe(200);
  expect(JSON.parse(resumed.body)).toMatchObject({ state: "serving", inFlight: 0 });
}

const scratch = realpathSync(mkdtempSync(join(tmpdir(), "quiesce-sdk-package-")));
const bare = join(scratch, "bare-app");
const withFrameworks = join(scratch, "framework-app");
let packed: { filename: string; size: number; files: Array<{ path: string }> };
const nodes = { 20: systemNode(), 24: NODE_24 };
const started: ChildProcess[] = [];

/** A scratch app outside the repository with the tarball installed offline (npm takes nothing else). */
function installApp(dir: string, tarball: string): void {
  mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "scratch", private: true, type: "module" }),
  );
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], dir);
  writeFileSync(join(dir, "app.mjs"), APP);
}

beforeAll(() => {
  // `npm pack` builds the SDK first (its prepack script): rm -rf dist, tsc, .d.ts imports rewritten to .js.
  const out = run("npm", ["pack", "--json", "--pack-destination", scratch], join(ROOT, "operator", "sdk"));
  packed = (JSON.parse(out) as (typeof packed)[])[0] as typeof packed;
  const tarball = join(scratch, packed.filename);
  installApp(bare, tarball);
  installApp(withFrameworks, tarball);
  // The frameworks as a fresh clone has them after `npm ci`: linked, their own dependencies found from the repo.
  for (const name of ["express", "fastify", "@types/node", "@types/express"]) {
    mkdirSync(dirname(join(withFrameworks, "node_modules", name)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), join(withFrameworks, "node_modules", name));
  }
  writeFileSync(join(withFrameworks, "consumer.ts"), CONSUMER);
}, 120_000);

afterAll(() => {
  for (const child of started) child.kill();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the SDK tarball", () => {
  it("holds compiled JavaScript, declarations and maps, no TypeScript sources and no dependencies", () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain("dist/sdk/index.js");
    expect(paths).toContain("dist/sdk/index.d.ts");
    expect(paths).toContain("dist/sdk/index.js.map");
    expect(paths.filter((p) => p.endsWith(".ts") && !p.endsWith(".d.ts"))).toEqual([]);
    expect(paths.filter((p) => !p.startsWith("dist/") && p !== "README.md" && p !== "package.json")).toEqual(
      [],
    );
    const manifest = JSON.parse(
      readFileSync(join(bare, "node_modules", "@quiesce-operator", "sdk", "package.json"), "utf8"),
    ) as Record<string, unknown>;
    for (const field of ["dependencies", "optionalDependencies", "peerDependencies", "bundleDependencies"]) {
      expect(manifest[field], field).toBeUndefined();
    }
    const lock = readFileSync(join(bare, "package-lock.json"), "utf8");
    expect(Object.keys((JSON.parse(lock) as { packages: object }).packages)).toEqual([
      "",
      "node_modules/@quiesce-operator/sdk",
    ]);
    const installed = join(bare, "node_modules", "@quiesce-operator", "sdk");
    for (const path of paths.filter((p) => p.endsWith(".d.ts"))) {
      expect(readFileSync(join(installed, path), "utf8"), path).not.toMatch(
        /from\s*["']\.{1,2}\/[^"']*\.ts["']/,
      );
    }
    console.log(`sdk tarball ${packed.filename}: ${packed.size} bytes, ${paths.length} files`);
  });

  it("type-checks a consumer against its declarations (node:http, Express, Fastify)", () => {
    run(
      join(BIN, "tsc"),
      [
        "--noEmit",
        "--strict",
        "--module",
        "nodenext",
        "--target",
        "es2022",
        "--types",
        "node",
        "consumer.ts",
      ],
      withFrameworks,
    );
  });
});

describe.each([20, 24] as const)("an app on Node %i", (major) => {
  it.each([
    ["http", bare],
    ["express", withFrameworks],
    ["fastify", withFrameworks],
  ])("quiesces a %s server with the installed SDK", async (kind, dir) => {
    const app = await startApp(nodes[major], dir, kind);
    started.push(app.child);
    try {
      expect(app.node).toMatch(new RegExp(`^v${major}\\.`));
      expect(fileURLToPath(app.sdk)).toBe(
        join(dir, "node_modules", "@quiesce-operator", "sdk", "dist", "sdk", "index.js"),
      );
      await roundTrip(app);
    } catch (err) {
      throw new Error(`${kind} app on Node ${app.node}: ${(err as Error).message}\napp output: ${app.log()}`);
    } finally {
      app.child.kill();
    }
  });
});
