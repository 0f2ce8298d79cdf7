// Light mode: one host process (inside the pod network namespace) runs many pods' sample apps, each on its own pod
// IP, behind the ProcessRunner interface; any other command goes to the fallback runner as its own process.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { ProcessExit, ProcessRunner, ProcessSpec, RunningProcess } from "./process-runner.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const HOST = join(HERE, "light-host.ts");
/** The repo's pinned Node (type stripping needs Node 24), whatever runs this file. */
const REPO_NODE = join(HERE, "..", "..", "..", "node_modules", ".bin", "node");

export const hostMessageSchema = z.object({
  op: z.literal("exit"),
  id: z.string(),
  exitCode: z.number().int(),
  signal: z.number().int().optional(),
  signalName: z.enum(["SIGKILL", "SIGTERM", "SIGINT", "SIGHUP"]).optional(),
});

/** Only the sample app runs in-process; everything else (preStop exec hooks, other images) is a real process. */
export const isSampleApp = (argv: readonly string[]) =>
  argv.some((a) => a.endsWith("test/sample-app/main.ts"));

export interface LightRunnerOptions {
  /** Runs the host inside the pod network namespace, e.g. `ip netns exec quiesce-pods`. */
  execPrefix: readonly string[];
  fallback: ProcessRunner;
  /** The host process's own log (its sample apps log here too, with their pod names). */
  hostLogFile: string;
  nodeBinary?: string;
}

export class LightRunner implements ProcessRunner {
  readonly #o: LightRunnerOptions;
  #host: ChildProcessWithoutNullStreams | undefined;
  readonly #waiting = new Map<string, (exit: ProcessExit) => void>();
  #next = 1;

  constructor(options: LightRunnerOptions) {
    this.#o = options;
  }

  /** Host process id, for measuring it. */
  get hostPid(): number | undefined {
    return this.#host?.pid;
  }

  #ensureHost(): ChildProcessWithoutNullStreams {
    if (this.#host && this.#host.exitCode === null) return this.#host;
    const [file, ...args] = [
      ...this.#o.execPrefix,
      this.#o.nodeBinary ?? REPO_NODE,
      HOST,
      this.#o.hostLogFile,
    ];
    const host = spawn(file ?? "", args, { stdio: ["pipe", "pipe", "pipe"] });
    host.stderr.on("data", (chunk: Buffer) => appendFileSync(this.#o.hostLogFile, chunk));
    createInterface({ input: host.stdout }).on("line", (line) => {
      const parsed = hostMessageSchema.safeParse(JSON.parse(line));
      if (!parsed.success) return;
      const { id, ...exit } = parsed.data;
      const done = this.#waiting.get(id);
      this.#waiting.delete(id);
      done?.({
        exitCode: exit.exitCode,
        ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
        ...(exit.signalName ? { signalName: exit.signalName } : {}),
      });
    });
    host.once("exit", () => {
      // Every app in it died with it.
      for (const [id, done] of this.#waiting) {
        this.#waiting.delete(id);
        done({ exitCode: 137, signal: 9, signalName: "SIGKILL" });
      }
    });
    this.#host = host;
    return host;
  }

  start(spec: ProcessSpec): RunningProcess {
    if (!isSampleApp(spec.argv)) return this.#o.fallback.start(spec);
    const id = `light-${this.#next++}`;
    appendFileSync(
      spec.logFile,
      `--- ${new Date().toISOString()} ${spec.banner} (light mode, ${id}): ${spec.argv.join(" ")}\n`,
    );
    const host = this.#ensureHost();
    let done = false;
    const exited = new Promise<ProcessExit>((resolve) => {
      this.#waiting.set(id, (exit) => {
        done = true;
        resolve(exit);
      });
    });
    host.stdin.write(`${JSON.stringify({ op: "start", id, argv: spec.argv, env: spec.env })}\n`);
    return {
      id,
      exited,
      signal: (signal) => {
        if (!done) this.#host?.stdin.write(`${JSON.stringify({ op: "signal", id, signal })}\n`);
      },
    };
  }

  killAll(): void {
    this.#o.fallback.killAll();
    this.#host?.kill("SIGKILL");
  }
}
