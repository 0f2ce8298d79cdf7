// The Mutating/ValidatingWebhookConfiguration objects for the webhooks, and an adapter that server-side applies them.
import {
  AdmissionregistrationV1Api,
  type AdmissionregistrationV1WebhookClientConfig,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1MutatingWebhookConfiguration,
  type V1RuleWithOperations,
  type V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { MUTATE_PODS_PATH, VALIDATE_POD_DELETION_PATH } from "./server.ts";

export const WEBHOOK_CONFIGURATION_NAME = "quiesce-operator";
export const MUTATE_WEBHOOK_NAME = "pods.mutate.quiesce.dev";
export const VALIDATE_WEBHOOK_NAME = "pod-deletion.validate.quiesce.dev";
export const FIELD_MANAGER = "quiesce-operator";

/** Local mode: the API server calls the operator process directly. */
export interface UrlTarget {
  url: string;
}
/** In-cluster: through the operator's Service. */
export interface ServiceTarget {
  service: { namespace: string; name: string; port: number };
}

export interface WebhookConfigurationOptions {
  target: UrlTarget | ServiceTarget;
  /** PEM of the CA that signed the serving certificate. */
  caBundlePem: string;
  /** Ignore (default): an unreachable operator never blocks pod creation or removal; Fail: it blocks both. */
  failurePolicy?: "Ignore" | "Fail";
  /** Namespaces never sent to the webhooks; kube-system is always excluded, add the operator's own. */
  excludedNamespaces?: readonly string[];
  timeoutSeconds?: number;
}

export interface WebhookConfigurations {
  mutating: V1MutatingWebhookConfiguration;
  validating: V1ValidatingWebhookConfiguration;
}

function clientConfig(
  options: WebhookConfigurationOptions,
  path: string,
): AdmissionregistrationV1WebhookClientConfig {
  const caBundle = Buffer.from(options.caBundlePem).toString("base64");
  const { target } = options;
  if ("url" in target) return { url: `${target.url.replace(/\/+$/, "")}${path}`, caBundle };
  return { service: { ...target.service, path }, caBundle };
}

function podRule(operations: string[], resources: string[]): V1RuleWithOperations {
  return { operations, apiGroups: [""], apiVersions: ["v1"], resources, scope: "Namespaced" };
}

/** Both configurations, named `quiesce-operator`, ready to apply. */
export function buildWebhookConfigurations(options: WebhookConfigurationOptions): WebhookConfigurations {
  const excluded = [...new Set(["kube-system", ...(options.excludedNamespaces ?? [])])];
  const common = {
    admissionReviewVersions: ["v1"],
    sideEffects: "NoneOnDryRun",
    failurePolicy: options.failurePolicy ?? "Ignore",
    matchPolicy: "Equivalent",
    timeoutSeconds: options.timeoutSeconds ?? 5,
    namespaceSelector: {
      matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: excluded }],
    },
  };
  const metadata = {
    name: WEBHOOK_CONFIGURATION_NAME,
    labels: { "app.kubernetes.io/name": "quiesce-operator", "app.kubernetes.io/component": "webhook" },
  };
  return {
    mutating: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata,
      webhooks: [
        {
          ...common,
          name: MUTATE_WEBHOOK_NAME,
          clientConfig: clientConfig(options, MUTATE_PODS_PATH),
          rules: [podRule(["CREATE"], ["pods"])],
          // Called again after later mutating webhooks (sidecar injectors); the mutation is idempotent.
          reinvocationPolicy: "IfNeeded",
        },
      ],
    },
    validating: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata,
      webhooks: [
        {
          ...common,
          name: VALIDATE_WEBHOOK_NAME,
          clientConfig: clientConfig(options, VALIDATE_POD_DELETION_PATH),
          rules: [podRule(["DELETE"], ["pods"]), podRule(["CREATE"], ["pods/eviction"])],
        },
      ],
    },
  };
}

/** Server-side applies both configurations (field manager `quiesce-operator`, forced: the operator owns them). */
export async function installWebhookConfigurations(
  kubeConfig: KubeConfig,
  configs: WebhookConfigurations,
): Promise<void> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const apply = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
  const params = { name: WEBHOOK_CONFIGURATION_NAME, fieldManager: FIELD_MANAGER, force: true };
  try {
    await api.patchMutatingWebhookConfiguration({ ...params, body: configs.mutating }, apply);
  } catch (error) {
    throw new Error(
      `applying MutatingWebhookConfiguration ${WEBHOOK_CONFIGURATION_NAME} failed: ${describe(error)}`,
    );
  }
  try {
    await api.patchValidatingWebhookConfiguration({ ...params, body: configs.validating }, apply);
  } catch (error) {
    throw new Error(
      `applying ValidatingWebhookConfiguration ${WEBHOOK_CONFIGURATION_NAME} failed: ${describe(error)}`,
    );
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const body = (error as Error & { body?: unknown }).body;
    return body === undefined
      ? error.message
      : `${error.message} ${typeof body === "string" ? body : JSON.stringify(body)}`;
  }
  return String(error);
}

/** Deletes both configurations (what a local operator's URL pointed at is gone); missing ones are fine. */
export async function removeWebhookConfigurations(kubeConfig: KubeConfig): Promise<void> {
  const admission = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  await admission
    .deleteMutatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION_NAME })
    .catch(() => undefined);
  await admission
    .deleteValidatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION_NAME })
    .catch(() => undefined);
}
