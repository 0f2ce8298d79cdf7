// Local processes for the conformance test: find python3 and go (a clear error when missing), build, start, stop.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { waitFor } from "../../harness/wait-for.ts";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** The path of a tool, or an error that says what needs it. */
export function requireTool(name: string, candidates: string[], why: string): string {
  const found = [name, ...candidates].find(
    (c) =>
      (c === name || existsSync(c)) && spawnSync(c, [name === "go" ? "version" : "--version"]).status === 0,
  );
  if (!found) throw new Error(`${name} not found (PATH, ${candidates.join(", ")}): ${why}`);
  return found;
}

/** `go build` of docs/examples/go into `dir`, offline (the module has no dependencies). */
export async function buildGoApp(go: string, dir: string): Promise<string> {
  const out = join(dir, "quiesce-reference-go");
  const env = { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off", GOTOOLCHAIN: "local" };
  await promisify(execFile)(go, ["build", "-o", out, "."], {
    cwd: join(ROOT, "docs/examples/go"),
    env,
    timeout: 170_000,
  });
  return out;
}

export interface App {
  name: string;
  child: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Spawns `argv` and waits until `readyUrl` answers anything (an exit first is an error with the app's stderr). */
export async function startApp(name: string, argv: string[], env: Record<string, string>, readyUrl: string) {
  const [command, ...args] = argv;
  const child = spawn(command ?? "", args, {
    cwd: ROOT,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let gone = false;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  void exited.then(() => {
    gone = true;
  });
  const app: App = { name, child, stderr: () => stderr, exited };
  await waitFor(
    async () => {
      if (gone) throw new Error(`${name} exited: ${stderr}`);
      return await fetch(readyUrl).then(() => true);
    },
    { timeoutMs: 15_000, what: `${name} listening`, intervalMs: 50 },
  );
  return app;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (null when killed). */
export async function stopApp(app: App, graceMs = 5000): Promise<number | null> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return app.child.exitCode;
  app.child.kill("SIGTERM");
  const timer = setTimeout(() => app.child.kill("SIGKILL"), graceMs);
  const code = await app.exited;
  clearTimeout(timer);
  return code;
}
