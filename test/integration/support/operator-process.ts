// Runs the operator as its own process (the CLI), so a test can SIGKILL it; logs go to the run dir.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { removeWebhookConfigurations } from "../../../operator/webhooks/index.ts";
import { waitFor } from "../../harness/wait-for.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
let started = 0;

export interface OperatorProcess {
  pid: number;
  logFile: string;
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `quiesce-operator run` and waits until its webhooks are installed and its controllers run. */
export async function startOperatorProcess(timeoutMs = 30_000): Promise<OperatorProcess> {
  const logDir = join(inject("clusterDir"), "logs");
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `operator-process-${process.pid}-${++started}.log`);
  const fd = openSync(logFile, "a");
  const child: ChildProcess = spawn(
    join(REPO, "node_modules", ".bin", "node"),
    [
      "operator/cli/main.ts",
      "run",
      "--kubeconfig",
      inject("kubeconfigPath"),
      "--webhook-config",
      "url",
      "--webhook-host",
      "127.0.0.1",
      "--webhook-port",
      "0",
      "--health-host",
      "127.0.0.1",
      "--health-port",
      "0",
      "--log-level",
      "debug",
    ],
    { cwd: REPO, stdio: ["ignore", fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<number | string>((r) =>
    child.once("exit", (code, signal) => r(signal ?? code ?? -1)),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error("operator process did not start");
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  await waitFor(
    () => {
      if (dead) throw new Error(`operator process exited early; see ${logFile}`);
      const log = readFileSync(logFile, "utf8");
      return (
        log.includes('"msg":"webhook configurations installed"') &&
        log.includes('"msg":"controllers started"')
      );
    },
    { timeoutMs, what: `operator process ready (log ${logFile})`, intervalMs: 100 },
  );
  return { pid, logFile, exited, kill: (signal) => child.kill(signal) };
}

/** Removes the webhook configurations a killed operator left behind (failurePolicy Ignore would hide them). */
export async function deleteWebhookConfigurations(kc: KubeConfig): Promise<void> {
  await removeWebhookConfigurations(kc);
}
