// Installs, upgrades and uninstalls charts/quiesce-operator with helm on an e2e cluster, as a user does.
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

/** Runs the project's helm (hack/helm.sh builds it once) against the cluster. */
export async function helm(kubeconfigPath: string, args: readonly string[]): Promise<string> {
  const exec = promisify(execFile);
  const { stdout: path } = await exec("bash", [join(ROOT, "hack", "helm.sh")]);
  try {
    const { stdout } = await exec(path.trim(), [...args, "--kubeconfig", kubeconfigPath], {
      maxBuffer: 8 << 20,
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`e2e: helm ${args.slice(0, 2).join(" ")} failed: ${e.stderr ?? e.message}`);
  }
}

/** `helm upgrade --install` with the chart's defaults and the e2e image, then waits until the operator serves. */
export async function installChart(kubeconfigPath: string, tag = OPERATOR_IMAGE.tag): Promise<void> {
  await helm(kubeconfigPath, [
    "upgrade",
    "--install",
    RELEASE,
    join(ROOT, "charts", "quiesce-operator"),
    "--namespace",
    RELEASE_NAMESPACE,
    "--create-namespace",
    "--set",
    `image.repository=${OPERATOR_IMAGE.repository},image.tag=${tag},image.pullPolicy=IfNotPresent`,
    "--wait",
    "--timeout",
    "5m",
  ]);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const apps = kc.makeApiClient(AppsV1Api);
  await waitFor(
    async () => {
      const d = await apps.readNamespacedDeployment({ name: RELEASE, namespace: RELEASE_NAMESPACE });
      const want = d.spec?.replicas ?? 1;
      const s = d.status;
      return (
        (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        s?.updatedReplicas === want &&
        s?.replicas === want &&
        (s?.availableReplicas ?? 0) >= want
      );
    },
    { timeoutMs: 300_000, what: `deployment ${RELEASE_NAMESPACE}/${RELEASE} rolled out and available` },
  );
}

export async function uninstallChart(kubeconfigPath: string): Promise<void> {
  await helm(kubeconfigPath, [
    "uninstall",
    RELEASE,
    "--namespace",
    RELEASE_NAMESPACE,
    "--wait",
    "--timeout",
    "3m",
  ]);
}
