// Server-side apply of arbitrary manifests over raw HTTPS: client-node's typed serializers drop x-kubernetes-* keys.
import { request } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

/** Plural resource paths for the kinds the project applies; extend when a new kind is applied. */
const RESOURCES: Record<string, { plural: string; namespaced: boolean }> = {
  CustomResourceDefinition: { plural: "customresourcedefinitions", namespaced: false },
  Namespace: { plural: "namespaces", namespaced: false },
  ServiceAccount: { plural: "serviceaccounts", namespaced: true },
  Service: { plural: "services", namespaced: true },
  Secret: { plural: "secrets", namespaced: true },
  ConfigMap: { plural: "configmaps", namespaced: true },
  Deployment: { plural: "deployments", namespaced: true },
  ClusterRole: { plural: "clusterroles", namespaced: false },
  ClusterRoleBinding: { plural: "clusterrolebindings", namespaced: false },
  Role: { plural: "roles", namespaced: true },
  RoleBinding: { plural: "rolebindings", namespaced: true },
  PodDisruptionBudget: { plural: "poddisruptionbudgets", namespaced: true },
  MutatingWebhookConfiguration: { plural: "mutatingwebhookconfigurations", namespaced: false },
  ValidatingWebhookConfiguration: { plural: "validatingwebhookconfigurations", namespaced: false },
  QuiescePolicy: { plural: "quiescepolicies", namespaced: true },
};

export function resourcePath(manifest: Manifest): string {
  const info = RESOURCES[manifest.kind];
  if (info === undefined) throw new Error(`apply: unknown kind ${manifest.kind} (${manifest.metadata.name})`);
  const base = manifest.apiVersion.includes("/")
    ? `/apis/${manifest.apiVersion}`
    : `/api/${manifest.apiVersion}`;
  const ns = info.namespaced ? `/namespaces/${manifest.metadata.namespace ?? "default"}` : "";
  return `${base}${ns}/${info.plural}/${manifest.metadata.name}`;
}

/** Applies one object; resolves with the server's copy, rejects with the API server's message. */
export async function applyManifest(
  kc: KubeConfig,
  manifest: Manifest,
  fieldManager = "quiesce-operator",
): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("apply: kubeconfig has no current cluster");
  const url = new URL(`${cluster.server}${resourcePath(manifest)}`);
  url.searchParams.set("fieldManager", fieldManager);
  url.searchParams.set("force", "true");
  const options: { headers?: Record<string, string> } & Record<string, unknown> = {
    method: "PATCH",
    headers: { "Content-Type": "application/apply-patch+yaml", Accept: "application/json" },
  };
  await kc.applyToHTTPSOptions(options);
  const body = JSON.stringify(manifest);
  return await new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep text
        }
        if ((res.statusCode ?? 500) >= 300) {
          const message = (parsed as { message?: string }).message ?? text.slice(0, 500);
          reject(
            Object.assign(new Error(`apply ${manifest.kind} ${manifest.metadata.name}: ${message}`), {
              statusCode: res.statusCode,
            }),
          );
        } else resolve(parsed);
      });
    });
    req.on("error", (error) =>
      reject(new Error(`apply ${manifest.kind} ${manifest.metadata.name}: ${error.message}`)),
    );
    req.end(body);
  });
}
