// Runs the operator as its own child process (CLI `run`), so its CPU and peak RSS are its own; scrapes its metrics.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeConfig } from "@kubernetes/client-node";
import { removeWebhookConfigurations } from "../../operator/webhooks/index.ts";
import { freePort } from "../cluster/ports.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** OPERATOR_NODE_ARGS: extra Node flags for the operator process only, e.g. "--max-old-space-size=256". */
const NODE_ARGS = (process.env.OPERATOR_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
/** OPERATOR_ENTRY=dist runs the compiled operator, as the image does (`make build` first); otherwise the sources. */
const ENTRY =
  process.env.OPERATOR_ENTRY === "dist"
    ? join(REPO, "dist", "operator", "cli", "main.js")
    : join(REPO, "operator", "cli", "main.ts");

export interface OperatorUsage {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Peak resident set size (VmHWM), bytes. */
  peakRssBytes: number;
  rssBytes: number;
}

export interface OperatorProcess {
  pid: number;
  logFile: string;
  metrics(): Promise<string>;
  usage(): Promise<OperatorUsage>;
  stop(): Promise<void>;
}

/** Reads CPU time and RSS of a live process from /proc (Linux). */
export async function processUsage(pid: number): Promise<OperatorUsage> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the ")" of the command name: state is field 3, utime 14, stime 15 (1-based).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
  return { cpuSeconds: ticks / 100, peakRssBytes: kb("VmHWM"), rssBytes: kb("VmRSS") };
}

export async function startOperatorProcess(
  kc: KubeConfig,
  kubeconfigPath: string,
  logDir: string,
  extraArgs: string[] = [],
): Promise<OperatorProcess> {
  const healthPort = await freePort();
  const logFile = join(logDir, "operator.log");
  const out = openSync(logFile, "a");
  const node = join(REPO, "node_modules", ".bin", "node");
  const child: ChildProcess = spawn(
    node,
    [
      ...NODE_ARGS,
      ENTRY,
      "run",
      `--kubeconfig=${kubeconfigPath}`,
      "--webhook-config=url",
      "--webhook-host=127.0.0.1",
      "--webhook-port=0",
      "--health-host=127.0.0.1",
      `--health-port=${healthPort}`,
      ...extraArgs,
    ],
    { cwd: REPO, stdio: ["ignore", out, out], detached: true },
  );
  closeSync(out);
  const pid = child.pid ?? -1;
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once("exit", () => {
      exited = true;
      done();
    }),
  );
  const killOnExit = () => {
    if (!exited) child.kill("SIGKILL");
  };
  process.on("exit", killOnExit);
  const base = `http://127.0.0.1:${healthPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`operator exited during start-up; see ${logFile}`);
    const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`operator not ready after 60 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid,
    logFile,
    metrics: async () => {
      const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`operator /metrics answered ${res.status}`);
      return await res.text();
    },
    usage: () => processUsage(pid),
    async stop() {
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exit;
        clearTimeout(timer);
      }
      process.off("exit", killOnExit);
      // The CLI leaves its webhook configurations behind (the chart owns them in a cluster); a demo must not.
      await removeWebhookConfigurations(kc);
    },
  };
}
