// The operator as N child processes with leader election, each slot restarted when its process exits (as a kubelet
// would); kills the current leader on demand and samples every process's peak RSS.
import { join } from "node:path";
import type { CoordinationV1Api } from "@kubernetes/client-node";
import { type OperatorProcess, spawnOperatorProcess } from "../../test/harness/operator-process.ts";

export const LEASE = { namespace: "quiesce-system", name: "quiesce-operator" };

export interface ReplicaOptions {
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
  process?: OperatorProcess;
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
    const child = spawnOperatorProcess({
      kubeconfigPath: o.kubeconfigPath,
      logFile: join(o.logDir, `operator-${slot.index}.log`),
      webhookConfig: "none",
      webhookPort: o.webhookPorts[slot.index] ?? 0,
      healthPort: o.healthPorts[slot.index] ?? 0,
      args: [
        `--namespace=${LEASE.namespace}`,
        `--webhook-cert-dir=${o.certDir}`,
        "--leader-elect=true",
        `--lease-name=${LEASE.name}`,
        `--identity=${slot.identity}`,
        ...o.leaseArgs,
      ],
    });
    slot.process = child;
    slot.exited = false;
    void child.exited.then(() => {
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
      if (slot.process === undefined || slot.exited) continue;
      slot.process.usage().then(
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
  /** SIGKILLs a live slot's process, or stops it (SIGTERM, SIGKILL after 15 s), and waits for it to exit. */
  const end = async (slot: Slot, signal: "SIGKILL" | "SIGTERM") => {
    const child = slot.process;
    if (child === undefined || slot.exited) return;
    if (signal === "SIGTERM") return await child.stop(15_000);
    child.kill("SIGKILL");
    await child.exited;
  };
  const slotOf = (identity: string) => slots.find((s) => s.identity === identity && !s.exited);

  return {
    leader,
    async killLeader() {
      const id = await leader();
      const slot = id === undefined ? undefined : slotOf(id);
      if (slot === undefined) return undefined;
      // Its last RSS reading before it goes.
      const child = slot.process;
      if (child !== undefined) {
        peak = Math.max(peak, (await child.usage().catch(() => ({ peakRssBytes: 0 }))).peakRssBytes);
      }
      child?.kill("SIGKILL");
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
