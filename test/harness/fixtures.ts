// Loads YAML manifests from test/fixtures and creates them in a namespace.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi } from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";

const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export function loadFixture(file: string): KubernetesObject[] {
  const text = readFileSync(join(FIXTURES, file), "utf8");
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null);
}

/** Creates every object in `namespace`, after `edit` had a chance to adjust it. */
export async function applyFixture(
  kc: KubeConfig,
  file: string,
  namespace: string,
  edit: (o: KubernetesObject) => void = () => {},
): Promise<KubernetesObject[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const created: KubernetesObject[] = [];
  for (const o of loadFixture(file)) {
    o.metadata = { ...o.metadata, namespace };
    edit(o);
    created.push(await api.create(o));
  }
  return created;
}
