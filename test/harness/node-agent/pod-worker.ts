// One pod on a local node: IP, containers, status writes, and the deletion sequence ending in the object's removal.
import { join } from "node:path";
import type { CoreV1Api } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { containerArgv, containerEnv } from "./container-env.ts";
import { ContainerWorker } from "./container-worker.ts";
import type { IpPool } from "./ip-pool.ts";
import { deletePodNow, describeError, isNotFound, patchPodStatus } from "./kube-io.ts";
import type { PodCondition, PodModel } from "./pod-model.ts";
import { buildPodStatus, type ContainerRuntimeStatus, OWNED_CONDITIONS } from "./pod-status.ts";
import type { ProcessRunner } from "./process-runner.ts";
import type { BackoffOptions } from "./restart-policy.ts";

export interface PodWorkerContext {
  core: CoreV1Api;
  runner: ProcessRunner;
  ips: IpPool;
  hostIP: string;
  repoRoot: string;
  logDir: string;
  backoff: BackoffOptions;
  logger: Logger;
}

/** When the deletion timestamp (second precision) leaves room, the grace counts from when we saw the deletion. */
export function terminationDeadline(pod: PodModel, seenAt: number): number {
  const stamp = pod.metadata.deletionTimestamp?.getTime();
  const graceMs =
    (pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
  if (stamp === undefined) return seenAt + graceMs;
  return Math.min(Math.max(seenAt + graceMs, stamp), stamp + 999);
}

export class PodWorker {
  #pod: PodModel;
  readonly #ctx: PodWorkerContext;
  readonly #log: Logger;
  readonly logFile: string;
  #ip: string | undefined;
  readonly #startTime = new Date();
  #containers: ContainerWorker[] = [];
  #configError: string | undefined;
  #written: { json: string; conditions: PodCondition[] } | undefined;
  #dirty = false;
  #syncing: Promise<void> | undefined;
  #terminating: Promise<void> | undefined;
  #gone = false;
  #startup: Promise<void> | undefined;

  constructor(pod: PodModel, ctx: PodWorkerContext) {
    this.#pod = pod;
    this.#ctx = ctx;
    const { namespace, name, uid } = pod.metadata;
    this.#log = ctx.logger.child({ namespace, name, pod: `${namespace}/${name}` });
    this.logFile = join(ctx.logDir, `${namespace}_${name}_${uid.slice(0, 8)}.log`);
  }

  get podIP(): string | undefined {
    return this.#ip;
  }

  get uid(): string {
    return this.#pod.metadata.uid;
  }

  start(): Promise<void> {
    this.#startup ??= this.#start();
    return this.#startup;
  }

  async #start(): Promise<void> {
    this.#ip = this.#ctx.ips.allocate();
    this.#log.info({ podIP: this.#ip }, "pod starting");
    const gracePeriodMs = (this.#pod.spec.terminationGracePeriodSeconds ?? 30) * 1000;
    try {
      this.#containers = this.#pod.spec.containers.map((container) => {
        const env = this.#env(container.name);
        return new ContainerWorker({
          container,
          argv: containerArgv(container, env),
          env,
          podIP: this.#ip!,
          cwd: this.#ctx.repoRoot,
          logFile: this.logFile,
          restartPolicy: this.#pod.spec.restartPolicy ?? "Always",
          terminationGracePeriodMs: gracePeriodMs,
          backoff: this.#ctx.backoff,
          runner: this.#ctx.runner,
          logger: this.#log,
          onChange: () => this.#onContainerChange(),
        });
      });
    } catch (error) {
      this.#configError = (error as Error).message;
      this.#log.error({ err: this.#configError }, "cannot run pod");
      this.#requestSync();
      return;
    }
    if (this.#pod.metadata.deletionTimestamp || this.#gone) return;
    for (const c of this.#containers) c.start();
  }

  #env(containerName: string): Record<string, string> {
    const container = this.#pod.spec.containers.find((c) => c.name === containerName);
    if (!container) throw new Error(`no container ${containerName}`);
    return containerEnv({
      pod: this.#pod,
      container,
      podIP: this.#ip ?? "",
      hostIP: this.#ctx.hostIP,
      repoRoot: this.#ctx.repoRoot,
      basePath: process.env.PATH,
    });
  }

  /** A newer version of the pod from the informer: deletion starts termination, a gate change re-evaluates Ready. */
  update(pod: PodModel): void {
    this.#pod = pod;
    if (pod.metadata.deletionTimestamp) void this.terminate();
    else this.#requestSync();
  }

  terminate(): Promise<void> {
    this.#terminating ??= this.#runTermination();
    return this.#terminating;
  }

  async #runTermination(): Promise<void> {
    const seenAt = Date.now();
    await this.#startup?.catch(() => undefined);
    const deadline = terminationDeadline(this.#pod, seenAt);
    this.#log.info({ graceMs: deadline - Date.now() }, "pod terminating");
    await Promise.all(this.#containers.map((c) => c.terminate(deadline, this.#env(c.name))));
    await this.#flushStatus();
    try {
      await deletePodNow(this.#ctx.core, this.#pod.metadata.namespace, this.#pod.metadata.name, this.uid);
      this.#log.info("pod deleted");
    } catch (error) {
      this.#log.error({ err: describeError(error) }, "final pod delete failed");
    }
    this.#release();
  }

  /** SIGKILL without hooks: the object vanished (force delete) or the agent is shutting down. */
  async kill(): Promise<void> {
    this.#gone = true;
    await this.#startup?.catch(() => undefined);
    await Promise.all(this.#containers.map((c) => c.kill()));
    this.#release();
  }

  #release(): void {
    this.#gone = true;
    if (this.#ip) this.#ctx.ips.release(this.#ip);
  }

  #onContainerChange(): void {
    this.#requestSync();
  }

  #containerStatuses(): ContainerRuntimeStatus[] {
    if (this.#configError !== undefined || this.#containers.length === 0) {
      const waiting = this.#configError
        ? { kind: "waiting" as const, reason: "CreateContainerConfigError", message: this.#configError }
        : { kind: "waiting" as const, reason: "ContainerCreating" };
      // Before the containers exist the pod must not look ready (no containers would make "all ready" vacuous).
      return this.#pod.spec.containers.map((c) => ({
        name: c.name,
        image: c.image ?? "local",
        state: waiting,
        ready: false,
        started: false,
        restartCount: 0,
      }));
    }
    return this.#containers.map((c) => c.status());
  }

  #requestSync(): void {
    this.#dirty = true;
    this.#syncing ??= this.#syncLoop().finally(() => {
      this.#syncing = undefined;
    });
  }

  async #flushStatus(): Promise<void> {
    this.#requestSync();
    await this.#syncing;
  }

  async #syncLoop(): Promise<void> {
    while (this.#dirty && !this.#gone) {
      this.#dirty = false;
      const previous = [
        ...(this.#written?.conditions ?? []),
        ...(this.#pod.status?.conditions ?? []).filter(
          (c) => !this.#written?.conditions.some((w) => w.type === c.type),
        ),
      ];
      const patch = buildPodStatus(
        this.#pod,
        {
          ...(this.#ip ? { podIP: this.#ip } : {}),
          hostIP: this.#ctx.hostIP,
          startTime: this.#startTime,
          containers: this.#containerStatuses(),
        },
        previous,
        new Date(),
      );
      const json = JSON.stringify(patch);
      if (json === this.#written?.json) continue;
      try {
        await patchPodStatus(this.#ctx.core, this.#pod.metadata.namespace, this.#pod.metadata.name, patch);
        const conditions = patch.status.conditions
          .filter((c) => (OWNED_CONDITIONS as readonly string[]).includes(c.type))
          .map((c) => ({
            type: c.type,
            status: c.status,
            lastTransitionTime: new Date(c.lastTransitionTime),
          }));
        this.#written = { json, conditions };
        const ready = patch.status.conditions.find((c) => c.type === "Ready")?.status;
        this.#log.debug({ phase: patch.status.phase, ready }, "pod status written");
      } catch (error) {
        if (isNotFound(error)) {
          this.#gone = true;
          return;
        }
        this.#log.warn({ err: describeError(error) }, "pod status patch failed; retrying");
        this.#dirty = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
