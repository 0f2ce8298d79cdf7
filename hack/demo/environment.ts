// The lab: a local control plane with its own run dir, the node agent, the CRDs and the operator as a child process.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { destination, pino } from "pino";
import type { ProcessRunner } from "../../test/harness/node-agent/index.ts";
import { type NodeAgent, startNodeAgent } from "../../test/harness/node-agent/index.ts";
import type { Apis } from "../../test/scenarios/workloads.ts";
import { type ControlPlane, startControlPlane } from "../cluster/control-plane.ts";
import { installCrds } from "../cluster/crds.ts";
import { type OperatorProcess, startOperatorProcess } from "./operator-process.ts";

export interface LabOptions {
  /** Run directory (wiped first); never `.cluster/` so `make cluster-up` keeps running beside it. */
  dir: string;
  nodes?: number;
  /** Builds the pod runner once the pod network exists (light mode); the agent's default otherwise. */
  runner?: () => Promise<ProcessRunner>;
  operatorArgs?: string[];
  /** Progress lines ("starting the control plane..."). */
  say?: (line: string) => void;
}

export interface Lab {
  dir: string;
  kc: KubeConfig;
  kubeconfigPath: string;
  apis: Apis;
  operator: OperatorProcess;
  agent: NodeAgent;
  stop(): Promise<void>;
}

export async function startLab(options: LabOptions): Promise<Lab> {
  const say = options.say ?? (() => undefined);
  await rm(options.dir, { recursive: true, force: true });
  const logs = join(options.dir, "logs");
  await mkdir(logs, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    say("starting the control plane (etcd, kube-apiserver, controller-manager, scheduler)...");
    const plane: ControlPlane = await startControlPlane({ dir: options.dir });
    stops.push(() => plane.stop());
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    say("starting the node agent and installing the QuiescePolicy CRD...");
    const agentLog = pino(
      { level: "info" },
      destination({ dest: join(logs, "node-agent.log"), sync: false }),
    );
    const runner = options.runner ? await options.runner() : undefined;
    const agent = await startNodeAgent({
      kubeConfig: kc,
      nodes: options.nodes ?? 2,
      logDir: join(options.dir, "pods"),
      logger: agentLog,
      ...(runner ? { runner } : {}),
    });
    stops.push(() => agent.stop());
    await installCrds(plane.kubeconfigPath);
    say("starting the operator...");
    const operator = await startOperatorProcess(kc, plane.kubeconfigPath, logs, options.operatorArgs);
    stops.push(() => operator.stop());
    return {
      dir: options.dir,
      kc,
      kubeconfigPath: plane.kubeconfigPath,
      apis: {
        core: kc.makeApiClient(CoreV1Api),
        apps: kc.makeApiClient(AppsV1Api),
        custom: kc.makeApiClient(CustomObjectsApi),
      },
      operator,
      agent,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
