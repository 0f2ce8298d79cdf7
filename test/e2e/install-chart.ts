// Installs charts/quiesce-operator with helm into an e2e cluster and waits until the operator serves.
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AppsV1Api, KubeConfig } from "@kubernetes/client-node";
import { waitFor } from "../harness/wait-for.ts";
import { OPERATOR_IMAGE } from "./images.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const RELEASE = "quiesce-operator";
export const RELEASE_NAMESPACE = "quiesce-system";

export async function installChart(kubeconfigPath: string): Promise<void> {
  const exec = promisify(execFile);
  const { stdout } = await exec("bash", [join(ROOT, "hack", "helm.sh")]);
  const helm = stdout.trim();
  await exec(
    helm,
    [
      "upgrade",
      "--install",
      RELEASE,
      join(ROOT, "charts", "quiesce-operator"),
      "--kubeconfig",
      kubeconfigPath,
      "--namespace",
      RELEASE_NAMESPACE,
      "--create-namespace",
      "--set",
      `image.repository=${OPERATOR_IMAGE.repository},image.tag=${OPERATOR_IMAGE.tag},image.pullPolicy=IfNotPresent`,
      "--wait",
      "--timeout",
      "5m",
    ],
    { maxBuffer: 8 << 20 },
  ).catch((error: Error & { stderr?: string }) => {
    throw new Error(`e2e: helm install failed: ${error.stderr ?? error.message}`);
  });
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const apps = kc.makeApiClient(AppsV1Api);
  await waitFor(
    async () => {
      const d = await apps.readNamespacedDeployment({ name: RELEASE, namespace: RELEASE_NAMESPACE });
      return (d.status?.availableReplicas ?? 0) >= (d.spec?.replicas ?? 1);
    },
    { timeoutMs: 180_000, what: `deployment ${RELEASE_NAMESPACE}/${RELEASE} available` },
  );
}
