// startNodeAgent: registers local nodes and runs every pod bound to them as local processes in the pod network
// namespace (see pod-network.ts), like a kubelet.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  ListWatch,
  type V1Pod,
  Watch,
} from "@kubernetes/client-node";
import { type Logger, pino } from "pino";
import { IpPool } from "./ip-pool.ts";
import { describeError } from "./kube-io.ts";
import { keepNodesAlive, registerNode } from "./node-registration.ts";
import { type PodModel, parsePod, podKey } from "./pod-model.ts";
import { DEFAULT_POD_CIDR, DEFAULT_POD_NETNS, ensurePodNetwork } from "./pod-network.ts";
import { PodWorker } from "./pod-worker.ts";
import { ChildProcessRunner, type ProcessRunner } from "./process-runner.ts";
import { type BackoffOptions, DEFAULT_BACKOFF } from "./restart-policy.ts";

export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  /** How many Node objects to register (default 1). */
  nodes?: number;
  /** Node names are `${namePrefix}-${i}` (default "local-node"). */
  namePrefix?: string;
  /** Extra labels on every registered node. */
  nodeLabels?: Record<string, string>;
  /** Working directory of container processes; also where node_modules/.bin is found (default: this repo). */
  repoRoot?: string;
  /** Per-pod log files go here (default `<repoRoot>/.cluster/pod-logs`). */
  logDir?: string;
  hostIP?: string;
  /** The /16 pod IPs come from, local inside `podNetns` only; see pod-network.ts (default 198.18.0.0/16). */
  podCIDR?: string;
  /** Network namespace the pods run in, created when missing (default quiesce-pods; needs root). */
  podNetns?: string;
  heartbeatIntervalMs?: number;
  backoff?: BackoffOptions;
  runner?: ProcessRunner;
  logger?: Logger;
  /** Delete the Node objects on stop so the scheduler never binds pods to a dead node (default true). */
  deleteNodesOnStop?: boolean;
}

export interface NodeAgent {
  readonly nodeNames: readonly string[];
  /** The IP (in the pod network namespace) the agent gave a running pod, if it runs it. */
  podIP(namespace: string, name: string): string | undefined;
  /** Where a pod's container output goes. */
  logFile(namespace: string, name: string): string | undefined;
  /** Kills every pod process (no hooks), stops watching and heartbeating. */
  stop(): Promise<void>;
}

export const DEFAULT_REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export async function startNodeAgent(options: NodeAgentOptions): Promise<NodeAgent> {
  const repoRoot = options.repoRoot ?? DEFAULT_REPO_ROOT;
  const logDir = resolve(options.logDir ?? join(repoRoot, ".cluster", "pod-logs"));
  mkdirSync(logDir, { recursive: true });
  const hostIP = options.hostIP ?? "127.0.0.1";
  const prefix = options.namePrefix ?? "local-node";
  const nodeNames = Array.from({ length: options.nodes ?? 1 }, (_, i) => `${prefix}-${i}`);
  const logger = options.logger ?? pino({ name: "node-agent", level: process.env.LOG_LEVEL ?? "info" });
  const podCIDR = options.podCIDR ?? DEFAULT_POD_CIDR;
  const network = await ensurePodNetwork({
    cidr: podCIDR,
    netns: options.podNetns ?? DEFAULT_POD_NETNS,
    logger,
  });
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const coordination = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const runner = options.runner ?? new ChildProcessRunner({ argvPrefix: network.execPrefix });
  const workers = new Map<string, PodWorker>();
  const ctx = {
    core,
    runner,
    ips: new IpPool({ cidr: podCIDR }),
    hostIP,
    repoRoot,
    logDir,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    logger,
  };
  let stopped = false;
  // Last line of defence: a crashing test process must not leave pod processes behind.
  const killOnExit = () => runner.killAll();
  process.on("exit", killOnExit);

  for (const name of nodeNames) await registerNode(core, name, hostIP, options.nodeLabels ?? {});
  const stopHeartbeat = keepNodesAlive(
    core,
    coordination,
    nodeNames,
    hostIP,
    options.heartbeatIntervalMs ?? 10_000,
    logger,
  );

  const onPod = (raw: V1Pod) => {
    if (stopped) return;
    let pod: PodModel;
    try {
      pod = parsePod(raw);
    } catch (error) {
      logger.error({ err: (error as Error).message }, "ignoring unparseable pod");
      return;
    }
    const key = podKey(pod.metadata.namespace, pod.metadata.name);
    let worker = workers.get(key);
    if (worker && worker.uid !== pod.metadata.uid) {
      // A same-named successor (StatefulSet style) while the old one may still be stopping: the old one ends alone.
      void worker.kill();
      workers.delete(key);
      worker = undefined;
    }
    if (!worker) {
      const phase = pod.status?.phase;
      if (phase === "Succeeded" || phase === "Failed") return; // finished pods are not rerun after an agent restart
      worker = new PodWorker(pod, ctx);
      const created = worker;
      workers.set(key, created);
      created.start().catch((error: unknown) => {
        logger.error({ pod: key, err: describeError(error) }, "pod start failed");
      });
      created.update(pod);
      return;
    }
    worker.update(pod);
  };
  const onPodGone = (raw: V1Pod) => {
    const key = podKey(raw.metadata?.namespace ?? "", raw.metadata?.name ?? "");
    const worker = workers.get(key);
    if (!worker || worker.uid !== raw.metadata?.uid) return;
    workers.delete(key);
    void worker.kill();
  };

  const informers = nodeNames.map((node) => {
    const fieldSelector = `spec.nodeName=${node}`;
    const informer = new ListWatch<V1Pod>(
      "/api/v1/pods",
      new Watch(options.kubeConfig),
      () => core.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    informer.on("add", onPod);
    informer.on("update", onPod);
    informer.on("delete", onPodGone);
    informer.on("error", (error: unknown) => {
      if (stopped) return;
      logger.warn({ node, err: describeError(error) }, "pod watch failed; restarting in 1s");
      setTimeout(() => {
        if (!stopped) void informer.start();
      }, 1000);
    });
    return informer;
  });
  await Promise.all(informers.map((i) => i.start()));
  logger.info({ nodes: nodeNames, logDir }, "node agent running");

  return {
    nodeNames,
    podIP: (namespace, name) => workers.get(podKey(namespace, name))?.podIP,
    logFile: (namespace, name) => workers.get(podKey(namespace, name))?.logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      stopHeartbeat();
      await Promise.all(informers.map((i) => i.stop()));
      await Promise.all([...workers.values()].map((w) => w.kill()));
      workers.clear();
      if (options.deleteNodesOnStop ?? true) {
        for (const name of nodeNames) {
          await core.deleteNode({ name }).catch((error: unknown) => {
            logger.warn({ node: name, err: describeError(error) }, "node delete failed");
          });
        }
      }
      process.off("exit", killOnExit);
      logger.info({ nodes: nodeNames }, "node agent stopped");
    },
  };
}
