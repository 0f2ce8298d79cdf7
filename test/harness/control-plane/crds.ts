// Installs the generated CRDs from crds/ and waits until the API server serves them.
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiextensionsV1Api, KubeConfig } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { applyManifest, type Manifest } from "../../../operator/kube/apply.ts";
import { waitFor } from "../wait-for.ts";

const CRDS = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "crds");

export async function installCrds(kubeconfigPath: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  for (const file of (await readdir(CRDS)).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(await readFile(join(CRDS, file), "utf8"))) {
      const crd = doc.toJS() as Manifest;
      await applyManifest(kc, crd);
      await waitFor(
        async () => {
          const got = await api.readCustomResourceDefinition({ name: crd.metadata.name });
          return got.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
        },
        { timeoutMs: 30_000, what: `CRD ${crd.metadata.name} established` },
      );
    }
  }
}
