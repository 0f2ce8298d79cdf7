// The operator as N child processes with leader election, each slot restarted when its process exits (as a kubelet
// would); kills the current leader on demand and samples every process's peak RSS.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { CoordinationV1Api } from "@kubernetes/client-node";
import { processUsage } from "../demo/operator-process.ts";

export const LEASE = { namespace: "quiesce-system", name: "quiesce-operator" };

export interface ReplicaOptions {
  repo: string;
  logDir: string;
  kubeconfigPath: string;
  certDir: string;
  /** One webhook port per slot (the balancer's targets). */
  webhookPorts: readonly number[];
  healthPorts: readonly number[];
  leaseArgs: readonly string[];
  coordination: CoordinationV1Api;
  restartDelayMs?: number;
}

interface Slot {
  index: number;
  generation: number;
  identity: string;
  child?: ChildProcess;
  exited: boolean;
}

export interface Replicas {
  /** Identity of the Lease holder, if any replica holds it now. */
  leader(): Promise<string | undefined>;
  /** SIGKILLs the replica holding the Lease; returns its identity (undefined when no live replica leads). */
  killLeader(): Promise<string | undefined>;
  healthPort(identity: string): number | undefined;
  identities(): string[];
  /** Highest VmHWM of any operator process so far, bytes. */
  peakRssBytes(): number;
  restarts(): number;
  /** SIGKILLs every replica and keeps them down (no operator runs: the webhooks fail open). */
  killAll(): Promise<void>;
  /** Starts every slot again after killAll. */
  resume(): void;
  stop(): Promise<void>;
}

export function startReplicas(o: ReplicaOptions): Replicas {
  const node = join(o.repo, "node_modules", ".bin", "node");
  let stopping = false;
  let paused = false;
  let peak = 0;
  let restarts = 0;
  const slots: Slot[] = o.webhookPorts.map((_, index) => ({
    index,
    generation: 0,
    identity: "",
    exited: true,
  }));

  const launch = (slot: Slot) => {
    slot.generation++;
    slot.identity = `replica-${slot.index}-${slot.generation}`;
    const out = openSync(join(o.logDir, `operator-${slot.index}.log`), "a");
    const child = spawn(
      node,
      [
        join(o.repo, "operator", "cli", "main.ts"),
        "run",
        `--kubeconfig=${o.kubeconfigPath}`,
        `--namespace=${LEASE.namespace}`,
        "--webhook-config=none",
        "--webhook-host=127.0.0.1",
        `--webhook-port=${o.webhookPorts[slot.index]}`,
        `--webhook-cert-dir=${o.certDir}`,
        "--health-host=127.0.0.1",
        `--health-port=${o.healthPorts[slot.index]}`,
        "--leader-elect=true",
        `--lease-name=${LEASE.name}`,
        `--identity=${slot.identity}`,
        ...o.leaseArgs,
      ],
      { cwd: o.repo, stdio: ["ignore", out, out] },
    );
    closeSync(out);
    slot.child = child;
    slot.exited = false;
    child.once("exit", () => {
      slot.exited = true;
      if (stopping || paused) return;
      restarts++;
      setTimeout(() => {
        if (!stopping && !paused) launch(slot);
      }, o.restartDelayMs ?? 1000);
    });
  };
  for (const slot of slots) launch(slot);

  const sampler = setInterval(() => {
    for (const slot of slots) {
      const pid = slot.child?.pid;
      if (pid === undefined || slot.exited) continue;
      processUsage(pid).then(
        (u) => {
          peak = Math.max(peak, u.peakRssBytes);
        },
        () => undefined,
      );
    }
  }, 500);

  const leader = async () => {
    try {
      const lease = await o.coordination.readNamespacedLease(LEASE);
      return lease.spec?.holderIdentity ?? undefined;
    } catch {
      return undefined;
    }
  };
  /** Signals a live slot's process and waits for it to exit (SIGKILL after 15 s if it does not). */
  const end = async (slot: Slot, signal: NodeJS.Signals) => {
    const child = slot.child;
    if (child === undefined || slot.exited) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await gone;
    clearTimeout(timer);
  };
  const slotOf = (identity: string) => slots.find((s) => s.identity === identity && !s.exited);

  return {
    leader,
    async killLeader() {
      const id = await leader();
      const slot = id === undefined ? undefined : slotOf(id);
      if (slot === undefined) return undefined;
      // Its last RSS reading before it goes.
      const pid = slot.child?.pid;
      if (pid !== undefined) {
        peak = Math.max(peak, (await processUsage(pid).catch(() => ({ peakRssBytes: 0 }))).peakRssBytes);
      }
      slot.child?.kill("SIGKILL");
      return id;
    },
    healthPort: (identity) => {
      const slot = slotOf(identity);
      return slot === undefined ? undefined : o.healthPorts[slot.index];
    },
    identities: () => slots.filter((s) => !s.exited).map((s) => s.identity),
    peakRssBytes: () => peak,
    restarts: () => restarts,
    async killAll() {
      paused = true;
      await Promise.all(slots.map((slot) => end(slot, "SIGKILL")));
    },
    resume() {
      paused = false;
      for (const slot of slots) if (slot.exited) launch(slot);
    },
    async stop() {
      stopping = true;
      clearInterval(sampler);
      await Promise.all(slots.map((slot) => end(slot, "SIGTERM")));
    },
  };
}
