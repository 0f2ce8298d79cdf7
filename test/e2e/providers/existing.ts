// The "existing" provider: a cluster someone else made (hack/e2e.sh's kind cluster), by its kubeconfig.
import { access } from "node:fs/promises";
import type { ClusterProvider } from "./provider.ts";

export async function existingCluster(kubeconfigPath: string | undefined): Promise<ClusterProvider> {
  if (!kubeconfigPath) {
    throw new Error(
      "e2e: set QUIESCE_E2E_KUBECONFIG to the cluster's kubeconfig (hack/e2e.sh does), or QUIESCE_E2E_PROVIDER=k3s",
    );
  }
  await access(kubeconfigPath).catch(() => {
    throw new Error(`e2e: kubeconfig ${kubeconfigPath} (QUIESCE_E2E_KUBECONFIG) is not readable`);
  });
  return { name: "existing", kubeconfigPath, stop: async () => undefined };
}
