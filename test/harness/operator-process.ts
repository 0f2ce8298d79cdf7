// Runs the operator as its own child process (CLI `run`, sources or dist), waits for /readyz, scrapes, stops it.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { removeWebhookConfigurations } from "../../operator/webhooks/index.ts";
import { freePort } from "./control-plane/ports.ts";
import { terminate } from "./control-plane/processes.ts";
import { waitFor } from "./wait-for.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE = join(REPO, "node_modules", ".bin", "node");
const ENTRIES = {
  source: join(REPO, "operator", "cli", "main.ts"),
  dist: join(REPO, "dist", "operator", "cli", "main.js"),
  bundle: join(REPO, "dist", "operator-bundle", "main.mjs"),
};

export interface OperatorProcessOptions {
  kubeconfigPath: string;
  /** Its stdout and stderr are appended here. */
  logFile: string;
  /** "url" (default): it installs webhook configurations pointing at itself, removed by stop(); "none": the caller does. */
  webhookConfig?: "url" | "none";
  /** Default 0: a free port. */
  webhookPort?: number;
  /** Default: a free port (the launcher probes its /readyz and scrapes its /metrics there). */
  healthPort?: number;
  /** More flags, after the launcher's: log level, leader election, certificate dir, ... */
  args?: readonly string[];
  /**
   * "bundle" runs the one-file bundle the image runs, "dist" the compiled modules (`make build` first for either);
   * default OPERATOR_ENTRY, else "source".
   */
  entry?: OperatorEntry;
  /** Node flags for the operator process only, e.g. ["--max-old-space-size=256"]; default OPERATOR_NODE_ARGS. */
  nodeArgs?: readonly string[];
  /** More environment for the operator process only (e.g. MALLOC_ARENA_MAX). */
  env?: Readonly<Record<string, string>>;
}

export interface ProcessUsage {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  rssBytes: number;
}

export interface OperatorProcess {
  pid: number;
  logFile: string;
  healthPort: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  exited: Promise<number | string>;
  isRunning(): boolean;
  /** Resolves once /readyz answers 200 (caches synced; url mode: webhooks installed); SIGKILLs it on timeout. */
  ready(timeoutMs?: number): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  metrics(): Promise<string>;
  usage(): Promise<ProcessUsage>;
  /** SIGTERM (SIGKILL after graceMs), then, in url mode, removes the webhook configurations it may have left. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The fields of a /proc/<pid>/stat line after the ")" of the command name (which may hold spaces): index 0 is
 * field 3 of proc(5) (state), so field N is index N - 3 (ppid 1, utime 11, stime 12, starttime 19).
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** Reads CPU time and RSS of a live process from /proc (Linux). */
export async function processUsage(pid: number): Promise<ProcessUsage> {
  const fields = statFields(await readFile(`/proc/${pid}/stat`, "utf8"));
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: ticks / 100, peakRssBytes: kb("VmHWM"), rssBytes: kb("VmRSS") };
}

export type OperatorEntry = "source" | "dist" | "bundle";
const envEntry = (): OperatorEntry => {
  const entry = process.env.OPERATOR_ENTRY;
  return entry === "dist" || entry === "bundle" ? entry : "source";
};
const envNodeArgs = () => (process.env.OPERATOR_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");

/**
 * Spawns `quiesce-operator run` without waiting for it (see ready()). It gets signals only from its launcher (own
 * process group) and is SIGKILLed if the launching process exits first.
 */
export function spawnOperatorProcess(
  options: OperatorProcessOptions & { healthPort: number },
): OperatorProcess {
  const { logFile, healthPort } = options;
  const webhookConfig = options.webhookConfig ?? "url";
  const out = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    NODE,
    [
      ...(options.nodeArgs ?? envNodeArgs()),
      ENTRIES[options.entry ?? envEntry()],
      "run",
      `--kubeconfig=${options.kubeconfigPath}`,
      `--webhook-config=${webhookConfig}`,
      "--webhook-host=127.0.0.1",
      `--webhook-port=${options.webhookPort ?? 0}`,
      "--health-host=127.0.0.1",
      `--health-port=${healthPort}`,
      ...(options.args ?? []),
    ],
    { cwd: REPO, stdio: ["ignore", out, out], detached: true, env: { ...process.env, ...options.env } },
  );
  closeSync(out);
  const pid = child.pid ?? -1;
  let running = true;
  const killOnExit = () => child.kill("SIGKILL");
  process.on("exit", killOnExit);
  const exited = new Promise<number | string>((done) =>
    child.once("exit", (code, signal) => {
      running = false;
      process.off("exit", killOnExit);
      done(signal ?? code ?? -1);
    }),
  );
  const base = `http://127.0.0.1:${healthPort}`;
  const handle: OperatorProcess = {
    pid,
    logFile,
    healthPort,
    exited,
    isRunning: () => running,
    async ready(timeoutMs = 60_000) {
      try {
        await waitFor(
          async () => !running || (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) })).ok,
          { timeoutMs, intervalMs: 200, what: `the operator ready at ${base}/readyz (log ${logFile})` },
        );
      } catch (error) {
        child.kill("SIGKILL");
        throw error;
      }
      if (!running) throw new Error(`operator exited (${await exited}) during start-up; see ${logFile}`);
    },
    kill: (signal) => child.kill(signal),
    metrics: async () => {
      const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`operator /metrics answered ${res.status}`);
      return await res.text();
    },
    usage: () => processUsage(pid),
    async stop(graceMs = 15_000) {
      if (running) await terminate(child, graceMs);
      if (webhookConfig === "url") {
        // Nothing may stay behind that points at a closed port (a SIGKILLed operator cannot remove them itself).
        const kc = new KubeConfig();
        kc.loadFromFile(options.kubeconfigPath);
        await removeWebhookConfigurations(kc);
      }
    },
  };
  return handle;
}

/** Starts `quiesce-operator run` and resolves once it is ready (default 60 s). */
export async function startOperatorProcess(
  options: OperatorProcessOptions & { readyTimeoutMs?: number },
): Promise<OperatorProcess> {
  const operator = spawnOperatorProcess({ ...options, healthPort: options.healthPort ?? (await freePort()) });
  await operator.ready(options.readyTimeoutMs);
  return operator;
}
