// Runs container commands as local process groups (optionally inside a network namespace); an interface so a later
// in-process "light mode" can plug in.
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";

export interface ProcessExit {
  exitCode: number;
  /** Signal number that ended the process, when it was a signal. */
  signal?: number;
  signalName?: NodeJS.Signals;
}

export interface RunningProcess {
  readonly id: string;
  readonly exited: Promise<ProcessExit>;
  /** Signals the whole process group; a no-op once it has exited. */
  signal(signal: NodeJS.Signals): void;
}

export interface ProcessSpec {
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  /** Appended to by stdout and stderr. */
  logFile: string;
  /** Written to the log before the process starts, e.g. which container and restart. */
  banner: string;
}

export interface ProcessRunner {
  start(spec: ProcessSpec): RunningProcess;
  /** Synchronously SIGKILLs everything still running (for process exit handlers). */
  killAll(): void;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

export interface ChildProcessRunnerOptions {
  /**
   * Put in front of every argv, e.g. `ip netns exec quiesce-pods`. It must exec the command (not fork it) so the
   * pid, the process group and the exit status stay the command's own.
   */
  argvPrefix?: readonly string[];
}

export class ChildProcessRunner implements ProcessRunner {
  readonly #live = new Map<number, RunningProcess>();
  readonly #prefix: readonly string[];

  constructor(options: ChildProcessRunnerOptions = {}) {
    this.#prefix = options.argvPrefix ?? [];
  }

  start(spec: ProcessSpec): RunningProcess {
    if (spec.argv.length === 0) throw new Error("process runner: empty argv");
    const [file, ...args] = [...this.#prefix, ...spec.argv] as [string, ...string[]];
    const fd = openSync(spec.logFile, "a");
    writeSync(fd, `--- ${new Date().toISOString()} ${spec.banner}: ${spec.argv.join(" ")}\n`);
    // detached: own process group, so signals reach the whole tree and a terminal's Ctrl-C does not.
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", fd, fd],
      detached: true,
    });
    closeSync(fd);
    const pid = child.pid;
    let done = false;
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once("error", (error) => {
        done = true;
        if (pid !== undefined) this.#live.delete(pid);
        appendLog(spec.logFile, `--- failed to start: ${error.message}\n`);
        resolve({ exitCode: 128 });
      });
      child.once("exit", (code, signal) => {
        done = true;
        if (pid !== undefined) this.#live.delete(pid);
        // The group may outlive its leader (a shell's children): make sure nothing is left behind.
        if (pid !== undefined) killGroup(pid, "SIGKILL");
        const signalNumber = signal ? (SIGNAL_NUMBERS[signal] ?? 0) : undefined;
        resolve(
          signal
            ? { exitCode: 128 + (signalNumber ?? 0), signal: signalNumber, signalName: signal }
            : { exitCode: code ?? 0 },
        );
      });
    });
    const running: RunningProcess = {
      id: String(pid ?? "none"),
      exited,
      signal: (sig) => {
        if (!done && pid !== undefined) killGroup(pid, sig);
      },
    };
    if (pid !== undefined) this.#live.set(pid, running);
    return running;
  }

  killAll(): void {
    for (const pid of this.#live.keys()) killGroup(pid, "SIGKILL");
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function appendLog(file: string, line: string): void {
  try {
    const fd = openSync(file, "a");
    writeSync(fd, line);
    closeSync(fd);
  } catch {
    // the log is best effort
  }
}
