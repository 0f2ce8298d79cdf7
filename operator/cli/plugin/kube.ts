// kubectl's connection flags for the plugin: --kubeconfig, --context, -n / -A, and the API clients they give.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { GROUP, PLURAL, type QuiescePolicy, quiescePolicySchema, VERSION } from "../../api/quiesce-policy.ts";

export interface ConnectionFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

export interface PluginClients {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  /** -n, else the context's namespace, else `default`. */
  namespace: string;
  allNamespaces: boolean;
}

export function connect(flags: ConnectionFlags): PluginClients {
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) {
      throw new Error(`context "${flags.context}" not found in the kubeconfig`);
    }
    kc.setCurrentContext(flags.context);
  }
  if (!kc.getCurrentCluster()) throw new Error("no cluster in the kubeconfig: set --kubeconfig or --context");
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return {
    kc,
    core: kc.makeApiClient(CoreV1Api),
    apps: kc.makeApiClient(AppsV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    namespace: flags.namespace ?? contextNamespace ?? "default",
    allNamespaces: flags.allNamespaces === true,
  };
}

/** QuiescePolicies of a namespace (or all); objects that do not parse are skipped, not fatal. */
export async function listPolicies(c: PluginClients, namespace?: string): Promise<QuiescePolicy[]> {
  const list = (
    namespace === undefined
      ? await c.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })
      : await c.custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace,
        })
  ) as { items?: unknown[] };
  return (list.items ?? []).flatMap((item) => {
    const parsed = quiescePolicySchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}

export async function listPods(
  c: PluginClients,
  namespace?: string,
  labelSelector?: string,
): Promise<V1Pod[]> {
  const list =
    namespace === undefined
      ? await c.core.listPodForAllNamespaces({ labelSelector })
      : await c.core.listNamespacedPod({ namespace, labelSelector });
  return list.items;
}

/** `app=web,tier in (a,b)` from a Deployment's matchLabels/matchExpressions, for a list call. */
export function selectorString(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(",");
    if (e.operator === "In") parts.push(`${e.key} in (${values})`);
    else if (e.operator === "NotIn") parts.push(`${e.key} notin (${values})`);
    else if (e.operator === "Exists") parts.push(e.key);
    else if (e.operator === "DoesNotExist") parts.push(`!${e.key}`);
  }
  return parts.join(",");
}

/** The API server's message from a client-node error, with what was being done. */
export function describeApiError(what: string, error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let message = e.message ?? String(error);
  if (typeof e.body === "string") {
    try {
      message = (JSON.parse(e.body) as { message?: string }).message ?? message;
    } catch {
      // keep the client's message
    }
  }
  return `${what}: ${message}`;
}
