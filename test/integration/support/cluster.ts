// Gives integration tests a KubeConfig for the control plane started by global-setup.ts, and per-test namespaces.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";

export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfigPath"));
  return kc;
}

let counter = 0;

/** Creates a uniquely named namespace; returns its name and a cleanup that deletes it. */
export async function createNamespace(
  kc: KubeConfig,
  prefix: string,
): Promise<{ name: string; cleanup: () => Promise<void> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${process.pid}-${++counter}-${Date.now().toString(36)}`.slice(0, 63);
  await core.createNamespace({ body: { metadata: { name } } });
  return {
    name,
    cleanup: async () => {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}
