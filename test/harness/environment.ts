// The one test environment: a local control plane in a run dir, the node agent's nodes, the CRDs, optionally the operator.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { destination, pino } from "pino";
import type { Apis } from "../scenarios/workloads.ts";
import { type ControlPlane, startControlPlane } from "./control-plane/control-plane.ts";
import { installCrds } from "./control-plane/crds.ts";
import { type NodeAgent, type ProcessRunner, startNodeAgent } from "./node-agent/index.ts";
import {
  type OperatorProcess,
  type OperatorProcessOptions,
  startOperatorProcess,
} from "./operator-process.ts";

/** The launcher's options the environment does not fill in itself (it logs to `<dir>/logs/operator.log`). */
export type EnvironmentOperator = Omit<OperatorProcessOptions, "kubeconfigPath" | "logFile">;

export interface EnvironmentOptions {
  /** Run directory: certificates, etcd data, kubeconfig, logs/ and pods/. A fresh temp dir by default. */
  dir?: string;
  /** Remove `dir` first (a previous run's leftovers). Never point it at `.cluster/` of a running `make cluster-up`. */
  clean?: boolean;
  /** Build the control-plane binaries when they are missing (default true). */
  build?: boolean;
  /** Nodes the node agent registers (default 2); 0 starts no node agent. */
  nodes?: number;
  /** Builds the agent's pod runner (light mode) once the control plane runs; the agent's default otherwise. */
  runner?: () => Promise<ProcessRunner>;
  /** Install the CRDs from crds/ (default true). */
  crds?: boolean;
  /** Start the operator as a child process once the rest runs (see operator-process.ts). */
  operator?: EnvironmentOperator;
  /** Progress lines ("starting the control plane..."). */
  say?: (line: string) => void;
}

export interface Environment {
  dir: string;
  plane: ControlPlane;
  kubeconfigPath: string;
  kc: KubeConfig;
  apis: Apis;
  agent: NodeAgent | undefined;
  /** Runs `stop` when the environment stops, before what was started earlier. */
  onStop(stop: () => Promise<unknown>): void;
  /** Stops everything in reverse order of starting; never throws. */
  stop(): Promise<void>;
}

/** An environment started with `operator`. */
export interface Lab extends Environment {
  operator: OperatorProcess;
}

export async function startEnvironment(
  options: EnvironmentOptions & { operator: EnvironmentOperator },
): Promise<Lab>;
export async function startEnvironment(options?: EnvironmentOptions): Promise<Environment>;
export async function startEnvironment(options: EnvironmentOptions = {}): Promise<Environment | Lab> {
  const say = options.say ?? (() => undefined);
  const dir = resolve(options.dir ?? (await mkdtemp(join(tmpdir(), "quiesce-cp-"))));
  if (options.clean) await rm(dir, { recursive: true, force: true });
  const logs = join(dir, "logs");
  await mkdir(logs, { recursive: true });
  await mkdir(join(dir, "pods"), { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    say("starting the control plane (etcd, kube-apiserver, controller-manager, scheduler)...");
    const plane = await startControlPlane({ dir, build: options.build ?? true });
    stops.push(() => plane.stop());
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    const nodes = options.nodes ?? 2;
    let agent: NodeAgent | undefined;
    if (nodes > 0) {
      say("starting the node agent...");
      const runner = options.runner ? await options.runner() : undefined;
      agent = await startNodeAgent({
        kubeConfig: kc,
        nodes,
        logDir: join(dir, "pods"),
        // One line per pod event; the pods' own output goes to pods/.
        logger: pino(
          { name: "node-agent", level: process.env.LOG_LEVEL ?? "info" },
          destination({ dest: join(logs, "node-agent.log"), append: true, sync: false }),
        ),
        ...(runner ? { runner } : {}),
      });
      const started = agent;
      stops.push(() => started.stop());
    }
    if (options.crds ?? true) {
      say("installing the CRDs...");
      await installCrds(plane.kubeconfigPath);
    }
    const environment: Environment = {
      dir,
      plane,
      kubeconfigPath: plane.kubeconfigPath,
      kc,
      apis: {
        core: kc.makeApiClient(CoreV1Api),
        apps: kc.makeApiClient(AppsV1Api),
        custom: kc.makeApiClient(CustomObjectsApi),
      },
      agent,
      onStop: (s) => void stops.push(s),
      stop,
    };
    if (!options.operator) return environment;
    say("starting the operator...");
    const operator = await startOperatorProcess({
      ...options.operator,
      kubeconfigPath: plane.kubeconfigPath,
      logFile: join(logs, "operator.log"),
    });
    stops.push(() => operator.stop());
    return { ...environment, operator };
  } catch (error) {
    await stop();
    throw error;
  }
}
