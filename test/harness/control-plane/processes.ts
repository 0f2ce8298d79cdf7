// Starts a control-plane binary as a child process with its own log file, and stops it cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** What was started, so the same process can be started again (ControlPlane.restart). */
  readonly binary: string;
  readonly args: readonly string[];
  /** Rejects as soon as the process exits; used to fail a readiness wait fast. */
  readonly exited: Promise<never>;
  isRunning(): boolean;
  stop(graceMs?: number): Promise<void>;
}

export async function logTail(file: string, lines = 20): Promise<string> {
  try {
    const text = await readFile(file, "utf8");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once the child has exited. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  const done = waitForExit(child);
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await done;
  clearTimeout(timer);
}

export function startProcess(name: string, binary: string, args: string[], logFile: string): ManagedProcess {
  const log = createWriteStream(logFile, { flags: "a" });
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let running = true;
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (error) => {
      running = false;
      reject(new Error(`${name} could not be started (${binary}): ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      running = false;
      void logTail(logFile).then((tail) =>
        reject(
          new Error(`${name} exited (code ${code}, signal ${signal}); last lines of ${logFile}:\n${tail}`),
        ),
      );
    });
  });
  exited.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  return {
    name,
    pid: child.pid ?? -1,
    logFile,
    binary,
    args,
    exited,
    isRunning: () => running,
    async stop(graceMs = 10_000) {
      if (!running) return;
      await terminate(child, graceMs);
      log.end();
    },
  };
}
