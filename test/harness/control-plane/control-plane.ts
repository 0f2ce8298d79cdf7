// Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler as local processes in a per-run directory.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { locateBinaries } from "./binaries.ts";
import { generateCerts } from "./certs.ts";
import { waitHealthy } from "./health.ts";
import { writeKubeconfig } from "./kubeconfig.ts";
import { freePorts } from "./ports.ts";
import { type ManagedProcess, startProcess } from "./processes.ts";

export interface ControlPlane {
  dir: string;
  server: string;
  kubeconfigPath: string;
  caFile: string;
  caKeyFile: string;
  processes: ManagedProcess[];
  /**
   * Stops one component (by name, e.g. "kube-apiserver"), keeps it down for `downMs`, starts it again with the same
   * binary, flags and port, and resolves once it is healthy again (fault injection).
   */
  restart(name: string, downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Run directory (certs, data, logs, kubeconfig); a fresh temp dir by default. */
  dir?: string;
  /** Build the binaries when they are missing (default true). */
  build?: boolean;
  readyTimeoutMs?: number;
}

export const CONTROLLERS = [
  "deployment-controller",
  "replicaset-controller",
  "statefulset-controller",
  "daemonset-controller",
  "endpointslice-controller",
  "endpoints-controller",
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
  "disruption-controller",
];

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dir = resolve(options.dir ?? (await mkdtemp(join(tmpdir(), "quiesce-cp-"))));
  const timeout = options.readyTimeoutMs ?? 90_000;
  await mkdir(join(dir, "logs"), { recursive: true });
  const bin = await locateBinaries({ build: options.build ?? true });
  const certs = await generateCerts(dir);
  const [etcdPort, etcdPeer, apiPort, cmPort, schedPort] = await freePorts(5);
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeKubeconfig(kubeconfigPath, server, certs.caCert, "admin", {
    kind: "cert",
    certFile: certs.adminCert,
    keyFile: certs.adminKey,
  });
  const log = (name: string) => join(dir, "logs", `${name}.log`);
  const started: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of [...started].reverse()) await p.stop();
  };
  const admin = { ca: certs.caCert, cert: certs.adminCert, key: certs.adminKey };
  const healthChecks = new Map<string, (p: ManagedProcess) => Promise<void>>();
  try {
    const etcd = startProcess(
      "etcd",
      bin.etcd,
      [
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
        "--unsafe-no-fsync=true",
        "--watch-progress-notify-interval=5s",
        "--log-level=warn",
      ],
      log("etcd"),
    );
    started.push(etcd);
    healthChecks.set("etcd", (p) => waitEtcd(p, `http://127.0.0.1:${etcdPort}/health`, timeout));
    await waitEtcd(etcd, `http://127.0.0.1:${etcdPort}/health`, timeout);

    const apiserver = startProcess(
      "kube-apiserver",
      bin.apiserver,
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${apiPort}`,
        `--cert-dir=${dir}`,
        `--tls-cert-file=${certs.serverCert}`,
        `--tls-private-key-file=${certs.serverKey}`,
        `--client-ca-file=${certs.caCert}`,
        "--authorization-mode=RBAC",
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${certs.saPub}`,
        `--service-account-signing-key-file=${certs.saKey}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        "--allow-privileged=true",
        // No node-lifecycle controller runs here, so nothing would ever lift the not-ready taint.
        "--disable-admission-plugins=TaintNodesByCondition",
        "--enable-aggregator-routing=true",
        "--profiling=false",
        "-v=1",
      ],
      log("kube-apiserver"),
    );
    started.push(apiserver);
    healthChecks.set("kube-apiserver", (p) => waitHealthy(p, `${server}/readyz`, admin, timeout));
    await waitHealthy(apiserver, `${server}/readyz`, admin, timeout);

    const controllerManager = startProcess(
      "kube-controller-manager",
      bin.controllerManager,
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${cmPort}`,
        `--controllers=${CONTROLLERS.join(",")}`,
        // Each controller under its own ServiceAccount, as kubeadm and kind run it: webhooks see who deletes.
        "--use-service-account-credentials=true",
        `--service-account-private-key-file=${certs.saKey}`,
        `--root-ca-file=${certs.caCert}`,
        "--concurrent-deployment-syncs=10",
        "--concurrent-replicaset-syncs=10",
        "-v=1",
      ],
      log("kube-controller-manager"),
    );
    started.push(controllerManager);
    healthChecks.set("kube-controller-manager", (p) =>
      waitHealthy(p, `https://127.0.0.1:${cmPort}/healthz`, {}, timeout),
    );

    const scheduler = startProcess(
      "kube-scheduler",
      bin.scheduler,
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        "--leader-elect=false",
        "--bind-address=127.0.0.1",
        `--secure-port=${schedPort}`,
        "-v=1",
      ],
      log("kube-scheduler"),
    );
    started.push(scheduler);
    healthChecks.set("kube-scheduler", (p) =>
      waitHealthy(p, `https://127.0.0.1:${schedPort}/healthz`, {}, timeout),
    );
    await Promise.all([
      waitHealthy(controllerManager, `https://127.0.0.1:${cmPort}/healthz`, {}, timeout),
      waitHealthy(scheduler, `https://127.0.0.1:${schedPort}/healthz`, {}, timeout),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  await writeFile(join(dir, "pids"), `${started.map((p) => `${p.name} ${p.pid}`).join("\n")}\n`);
  return {
    dir,
    server,
    kubeconfigPath,
    caFile: certs.caCert,
    caKeyFile: certs.caKey,
    processes: started,
    restart: async (name, downMs) => {
      const index = started.findIndex((p) => p.name === name);
      const old = started[index];
      if (old === undefined) throw new Error(`restart: no control-plane process named ${name}`);
      await old.stop();
      await new Promise((r) => setTimeout(r, downMs));
      const fresh = startProcess(old.name, old.binary, [...old.args], old.logFile);
      started[index] = fresh;
      await healthChecks.get(name)?.(fresh);
    },
    stop,
  };
}

async function waitEtcd(etcd: ManagedProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const poll = (async () => {
    while (Date.now() < deadline) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`etcd not healthy at ${url} after ${timeoutMs} ms; see ${etcd.logFile}`);
  })();
  await Promise.race([poll, etcd.exited]);
}
