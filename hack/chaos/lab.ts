// The chaos lab: control plane, node agent, CRDs, and two operator replicas with leader election behind a webhook
// balancer (ready replicas only, like a Service), reaching the API server through a proxy that can cut their connections.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from "@kubernetes/client-node";
import { destination, pino } from "pino";
import {
  buildWebhookConfigurations,
  generateWebhookCertificates,
  installWebhookConfigurations,
  removeWebhookConfigurations,
  writeWebhookCertificates,
} from "../../operator/webhooks/index.ts";
import { startNodeAgent } from "../../test/harness/node-agent/index.ts";
import type { Apis } from "../../test/scenarios/workloads.ts";
import { type ControlPlane, startControlPlane } from "../cluster/control-plane.ts";
import { installCrds } from "../cluster/crds.ts";
import { freePorts } from "../cluster/ports.ts";
import { LEASE, type Replicas, startReplicas } from "./replicas.ts";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";

export interface ChaosLab {
  dir: string;
  plane: ControlPlane;
  kc: KubeConfig;
  apis: Apis;
  /** The operators' only path to the API server. */
  apiProxy: TcpProxy;
  replicas: Replicas;
  stop(): Promise<void>;
}

export interface ChaosLabOptions {
  repo: string;
  dir: string;
  /** e.g. ["--lease-duration-seconds=4", ...]. */
  leaseArgs: readonly string[];
  say: (line: string) => void;
}

export async function startChaosLab(o: ChaosLabOptions): Promise<ChaosLab> {
  await rm(o.dir, { recursive: true, force: true });
  const logs = join(o.dir, "logs");
  await mkdir(logs, { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    o.say("starting the control plane...");
    const plane = await startControlPlane({ dir: join(o.dir, "cp") });
    stops.push(() => plane.stop());
    const kc = new KubeConfig();
    kc.loadFromFile(plane.kubeconfigPath);
    const apis: Apis = {
      core: kc.makeApiClient(CoreV1Api),
      apps: kc.makeApiClient(AppsV1Api),
      custom: kc.makeApiClient(CustomObjectsApi),
    };
    o.say("starting the node agent, installing the CRDs...");
    const agent = await startNodeAgent({
      kubeConfig: kc,
      nodes: 2,
      logDir: join(o.dir, "pods"),
      logger: pino({ level: "info" }, destination({ dest: join(logs, "node-agent.log"), sync: false })),
    });
    stops.push(() => agent.stop());
    await installCrds(plane.kubeconfigPath);
    await apis.core.createNamespace({ body: { metadata: { name: LEASE.namespace } } });

    const apiPort = Number(new URL(plane.server).port);
    const apiProxy = await startTcpProxy(() => [{ host: "127.0.0.1", port: apiPort }]);
    stops.push(() => apiProxy.close());
    const operatorKubeconfig = join(o.dir, "operator-kubeconfig");
    const text = await readFile(plane.kubeconfigPath, "utf8");
    await writeFile(operatorKubeconfig, text.replaceAll(plane.server, `https://127.0.0.1:${apiProxy.port}`));

    // One certificate for every replica (as the chart's Secret), so the balancer can send a call to any of them.
    const certDir = join(o.dir, "webhook-certs");
    const certs = await generateWebhookCertificates({ dnsNames: ["localhost"] });
    await writeWebhookCertificates(certDir, certs);
    const [web0, web1, health0, health1] = await freePorts(4);
    const webhookPorts = [web0 ?? 0, web1 ?? 0];
    const healthPorts = [health0 ?? 0, health1 ?? 0];
    // Like a Service: only replicas whose /readyz answers 200 (caches synced) receive admission calls.
    const ready = new Set<number>();
    const probe = setInterval(() => {
      healthPorts.forEach((health, i) => {
        void fetch(`http://127.0.0.1:${health}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
          (r) => (r.ok ? ready.add(i) : ready.delete(i)),
          () => ready.delete(i),
        );
      });
    }, 250);
    stops.push(async () => clearInterval(probe));
    const balancer = await startTcpProxy(() =>
      webhookPorts.filter((_, i) => ready.has(i)).map((port) => ({ host: "127.0.0.1", port })),
    );
    stops.push(() => balancer.close());

    o.say("starting two operator replicas (leader election)...");
    const replicas = startReplicas({
      repo: o.repo,
      logDir: logs,
      kubeconfigPath: operatorKubeconfig,
      certDir,
      webhookPorts,
      healthPorts,
      leaseArgs: o.leaseArgs,
      coordination: kc.makeApiClient(CoordinationV1Api),
    });
    stops.push(async () => {
      await replicas.stop();
      await removeWebhookConfigurations(kc);
    });
    await installWebhookConfigurations(
      kc,
      buildWebhookConfigurations({
        target: { url: `https://127.0.0.1:${balancer.port}` },
        caBundlePem: certs.caCert,
        failurePolicy: "Ignore",
        excludedNamespaces: [LEASE.namespace],
      }),
    );
    return { dir: o.dir, plane, kc, apis, apiProxy, replicas, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
