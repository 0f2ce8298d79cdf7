// One container's life on the node: start, probes, restarts with backoff, and the preStop/SIGTERM/SIGKILL sequence.
import type { Logger } from "pino";
import type { ContainerSpec, RestartPolicy } from "./pod-model.ts";
import type { ContainerRuntimeStatus, ContainerState } from "./pod-status.ts";
import { runPreStop } from "./prestop-hook.ts";
import { httpGet, probeTiming, ThresholdTracker } from "./probe.ts";
import type { ProcessExit, ProcessRunner, RunningProcess } from "./process-runner.ts";
import { type BackoffOptions, restartDelayMs, shouldRestart } from "./restart-policy.ts";

export interface ContainerWorkerOptions {
  container: ContainerSpec;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  podIP: string;
  cwd: string;
  logFile: string;
  restartPolicy: RestartPolicy;
  /** Used when a liveness failure kills the container. */
  terminationGracePeriodMs: number;
  backoff: BackoffOptions;
  runner: ProcessRunner;
  logger: Logger;
  /** Called whenever anything in `status()` may have changed. */
  onChange: () => void;
}

export class ContainerWorker {
  readonly #o: ContainerWorkerOptions;
  #state: ContainerState = { kind: "waiting", reason: "ContainerCreating" };
  #lastState: ContainerState | undefined;
  #ready = false;
  #restartCount = 0;
  #crashes = 0;
  #process: RunningProcess | undefined;
  #startedAt = 0;
  #terminating = false;
  #timers = new Set<NodeJS.Timeout>();
  #probeGeneration = 0;
  #done: Promise<void> = Promise.resolve();

  constructor(options: ContainerWorkerOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.container.name;
  }

  status(): ContainerRuntimeStatus {
    return {
      name: this.name,
      image: this.#o.container.image ?? "local",
      state: this.#state,
      ...(this.#lastState ? { lastState: this.#lastState } : {}),
      ready: this.#ready,
      started: this.#state.kind === "running",
      restartCount: this.#restartCount,
      ...(this.#process ? { containerID: `local://${this.#process.id}` } : {}),
    };
  }

  /** True once the container has exited for good (terminal under its restart policy, or terminated). */
  get finished(): boolean {
    return this.#state.kind === "terminated" && this.#process === undefined && !this.#restartPending;
  }
  #restartPending = false;

  start(): void {
    if (this.#terminating) return;
    this.#restartPending = false;
    const proc = this.#o.runner.start({
      argv: this.#o.argv,
      env: this.#o.env,
      cwd: this.#o.cwd,
      logFile: this.#o.logFile,
      banner: `container ${this.name} (restart ${this.#restartCount})`,
    });
    this.#process = proc;
    this.#startedAt = Date.now();
    this.#state = { kind: "running", startedAt: new Date(this.#startedAt) };
    this.#ready = this.#o.container.readinessProbe === undefined;
    this.#o.logger.info(
      { container: this.name, pid: proc.id, restartCount: this.#restartCount },
      "container started",
    );
    this.#startProbes();
    this.#done = proc.exited.then((exit) => this.#onExit(proc, exit));
    this.#o.onChange();
  }

  #onExit(proc: RunningProcess, exit: ProcessExit): void {
    if (this.#process !== proc) return;
    this.#process = undefined;
    this.#probeGeneration++;
    this.#ready = false;
    const ranMs = Date.now() - this.#startedAt;
    const reason = exit.signal !== undefined ? "Error" : exit.exitCode === 0 ? "Completed" : "Error";
    this.#state = {
      kind: "terminated",
      exitCode: exit.exitCode,
      ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
      reason,
      startedAt: new Date(this.#startedAt),
      finishedAt: new Date(),
    };
    this.#o.logger.info(
      {
        container: this.name,
        exitCode: exit.exitCode,
        signal: exit.signalName,
        ranMs,
        terminating: this.#terminating,
      },
      "container exited",
    );
    if (!this.#terminating && shouldRestart(this.#o.restartPolicy, exit.exitCode)) {
      this.#crashes = ranMs >= this.#o.backoff.resetAfterMs ? 1 : this.#crashes + 1;
      const delayMs = restartDelayMs(this.#crashes, ranMs, this.#o.backoff);
      this.#restartPending = true;
      this.#lastState = this.#state;
      this.#state = {
        kind: "waiting",
        reason: "CrashLoopBackOff",
        message: `back-off ${delayMs}ms restarting failed container=${this.name}`,
      };
      this.#later(delayMs, () => {
        this.#restartCount++;
        this.start();
      });
    }
    this.#o.onChange();
  }

  #startProbes(): void {
    const generation = ++this.#probeGeneration;
    const { readinessProbe, livenessProbe } = this.#o.container;
    if (readinessProbe?.httpGet) {
      const timing = probeTiming(readinessProbe);
      const tracker = new ThresholdTracker(false, timing);
      this.#probeLoop(generation, timing.initialDelayMs, timing.periodMs, async () => {
        const result = await httpGet(
          readinessProbe.httpGet!,
          this.#o.container,
          this.#o.podIP,
          timing.timeoutMs,
        );
        const ready = tracker.observe(result.ok) && !this.#terminating;
        if (ready !== this.#ready && generation === this.#probeGeneration) {
          this.#ready = ready;
          this.#o.logger.info({ container: this.name, ready, detail: result.detail }, "readiness changed");
          this.#o.onChange();
        }
      });
    }
    if (livenessProbe?.httpGet) {
      const timing = probeTiming(livenessProbe);
      const tracker = new ThresholdTracker(true, timing);
      this.#probeLoop(generation, timing.initialDelayMs, timing.periodMs, async () => {
        const result = await httpGet(
          livenessProbe.httpGet!,
          this.#o.container,
          this.#o.podIP,
          timing.timeoutMs,
        );
        if (!tracker.observe(result.ok) && generation === this.#probeGeneration && !this.#terminating) {
          this.#o.logger.warn(
            { container: this.name, detail: result.detail },
            "liveness probe failed; restarting",
          );
          this.#probeGeneration++;
          this.#killWithGrace(this.#o.terminationGracePeriodMs);
        }
      });
    }
  }

  #probeLoop(generation: number, firstMs: number, periodMs: number, probe: () => Promise<void>): void {
    const tick = async () => {
      if (generation !== this.#probeGeneration) return;
      await probe();
      if (generation === this.#probeGeneration) this.#later(periodMs, tick);
    };
    this.#later(firstMs, tick);
  }

  #killWithGrace(graceMs: number): void {
    const proc = this.#process;
    if (!proc) return;
    proc.signal("SIGTERM");
    this.#later(graceMs, () => proc.signal("SIGKILL"));
  }

  /**
   * The kubelet's termination: not ready at once, preStop, SIGTERM, and SIGKILL at `deadline` (epoch ms).
   * Resolves when the process is gone.
   */
  async terminate(deadline: number, preStopEnv: Readonly<Record<string, string>>): Promise<void> {
    if (this.#terminating) return this.#done;
    this.#terminating = true;
    this.#restartPending = false;
    this.#cancelTimers();
    this.#probeGeneration++;
    this.#ready = false;
    this.#o.onChange();
    const proc = this.#process;
    if (!proc) return;
    const killAtDeadline = setTimeout(() => proc.signal("SIGKILL"), Math.max(0, deadline - Date.now()));
    try {
      const preStop = this.#o.container.lifecycle?.preStop;
      if (preStop) {
        const outcome = await runPreStop(
          preStop,
          {
            container: this.#o.container,
            podIP: this.#o.podIP,
            env: preStopEnv,
            cwd: this.#o.cwd,
            logFile: this.#o.logFile,
            runner: this.#o.runner,
          },
          deadline - Date.now(),
        );
        this.#o.logger.info({ container: this.name, outcome }, "preStop hook done");
      }
      this.#o.logger.info({ container: this.name, remainingMs: deadline - Date.now() }, "sending SIGTERM");
      proc.signal("SIGTERM");
      await this.#done;
    } finally {
      clearTimeout(killAtDeadline);
    }
  }

  /** Immediate SIGKILL without hooks (agent shutdown). */
  async kill(): Promise<void> {
    this.#terminating = true;
    this.#cancelTimers();
    this.#probeGeneration++;
    this.#process?.signal("SIGKILL");
    await this.#done;
  }

  #later(ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void Promise.resolve(fn()).catch((error: unknown) =>
        this.#o.logger.error({ container: this.name, err: error }, "container worker task failed"),
      );
    }, ms);
    this.#timers.add(timer);
  }

  #cancelTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
