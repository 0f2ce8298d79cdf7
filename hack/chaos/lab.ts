// The chaos lab: the test environment (control plane, node agent, CRDs) and two operator replicas with leader
// election behind a webhook balancer (ready replicas only, like a Service), reaching the API server through a proxy
// that can cut their connections.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CoordinationV1Api, type KubeConfig } from "@kubernetes/client-node";
import {
  buildWebhookConfigurations,
  generateWebhookCertificates,
  installWebhookConfigurations,
  removeWebhookConfigurations,
  writeWebhookCertificates,
} from "../../operator/webhooks/index.ts";
import type { ControlPlane } from "../../test/harness/control-plane/control-plane.ts";
import { freePorts } from "../../test/harness/control-plane/ports.ts";
import { startEnvironment } from "../../test/harness/environment.ts";
import type { Apis } from "../../test/scenarios/workloads.ts";
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
  /** Run directory (wiped first). */
  dir: string;
  /** e.g. ["--lease-duration-seconds=4", ...]. */
  leaseArgs: readonly string[];
  say: (line: string) => void;
}

export async function startChaosLab(o: ChaosLabOptions): Promise<ChaosLab> {
  const env = await startEnvironment({ dir: o.dir, clean: true, nodes: 2, say: o.say });
  const { plane, kc, apis, stop } = env;
  const logs = join(env.dir, "logs");
  try {
    await apis.core.createNamespace({ body: { metadata: { name: LEASE.namespace } } });

    const apiPort = Number(new URL(plane.server).port);
    const apiProxy = await startTcpProxy(() => [{ host: "127.0.0.1", port: apiPort }]);
    env.onStop(() => apiProxy.close());
    const operatorKubeconfig = join(env.dir, "operator-kubeconfig");
    const text = await readFile(plane.kubeconfigPath, "utf8");
    await writeFile(operatorKubeconfig, text.replaceAll(plane.server, `https://127.0.0.1:${apiProxy.port}`));

    // One certificate for every replica (as the chart's Secret), so the balancer can send a call to any of them.
    const certDir = join(env.dir, "webhook-certs");
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
    env.onStop(async () => clearInterval(probe));
    const balancer = await startTcpProxy(() =>
      webhookPorts.filter((_, i) => ready.has(i)).map((port) => ({ host: "127.0.0.1", port })),
    );
    env.onStop(() => balancer.close());

    o.say("starting two operator replicas (leader election)...");
    const replicas = startReplicas({
      logDir: logs,
      kubeconfigPath: operatorKubeconfig,
      certDir,
      webhookPorts,
      healthPorts,
      leaseArgs: o.leaseArgs,
      coordination: kc.makeApiClient(CoordinationV1Api),
    });
    env.onStop(async () => {
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
    return { dir: env.dir, plane, kc, apis, apiProxy, replicas, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
