// Manifests of the scenario workloads: the sample app as a Deployment, its Service, and a QuiescePolicy.
import type {
  V1DaemonSet,
  V1Deployment,
  V1PodTemplateSpec,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";

export interface AppOptions {
  name: string;
  namespace: string;
  replicas: number;
  /** terminationGracePeriodSeconds (default 30, as Kubernetes). */
  grace?: number;
  maxSurge?: number | string;
  /** A Deployment's strategy (default RollingUpdate with maxSurge and maxUnavailable). */
  strategy?: "RollingUpdate" | "Recreate";
  maxUnavailable?: number | string;
  /** preStop sleep seconds, for the "what people do today" baseline. */
  preStopSleep?: number;
  labels?: Record<string, string>;
  /** Extra sample-app flags. */
  args?: string[];
  image?: string;
}

export const APP_PORT = 8080;
/** The misbehaving-quiesce fixture's admin port (its broken /quiesce lives there). */
export const BROKEN_ADMIN_PORT = 8081;

/** Command of the misbehaving-quiesce fixture (test/fixtures/broken-quiesce.ts) in `mode`. */
export function brokenQuiesceCommand(mode: string): string[] {
  return [
    "node",
    "test/fixtures/broken-quiesce.ts",
    "--mode",
    mode,
    "--port",
    String(APP_PORT),
    "--admin-port",
    String(BROKEN_ADMIN_PORT),
  ];
}

export function appDeployment(o: AppOptions): V1Deployment {
  const labels = { app: o.name, ...o.labels };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: o.name, namespace: o.namespace, labels },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { app: o.name } },
      strategy:
        o.strategy === "Recreate"
          ? { type: "Recreate" }
          : {
              type: "RollingUpdate",
              rollingUpdate: { maxSurge: o.maxSurge ?? "25%", maxUnavailable: o.maxUnavailable ?? "25%" },
            },
      template: appPodTemplate(o),
    },
  };
}

/** The sample app's pod template, shared by every workload kind. */
export function appPodTemplate(o: AppOptions): V1PodTemplateSpec {
  return {
    metadata: { labels: { app: o.name, ...o.labels } },
    spec: {
      terminationGracePeriodSeconds: o.grace ?? 30,
      containers: [
        {
          name: "app",
          image: o.image ?? "quiesce-sample-app:dev",
          command: ["node", "test/sample-app/main.ts", "--port", String(APP_PORT), ...(o.args ?? [])],
          ports: [{ name: "http", containerPort: APP_PORT }],
          readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 1 },
          ...(o.preStopSleep ? { lifecycle: { preStop: { sleep: { seconds: o.preStopSleep } } } } : {}),
        },
      ],
    },
  };
}

/** The sample app as a StatefulSet (the Service of the same name is its governing Service). */
export function appStatefulSet(
  o: AppOptions & { podManagementPolicy?: "OrderedReady" | "Parallel"; partition?: number },
): V1StatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: o.name, namespace: o.namespace, labels: { app: o.name, ...o.labels } },
    spec: {
      replicas: o.replicas,
      serviceName: o.name,
      podManagementPolicy: o.podManagementPolicy ?? "OrderedReady",
      selector: { matchLabels: { app: o.name } },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: o.partition ?? 0 } },
      template: appPodTemplate(o),
    },
  };
}

/** The sample app as a DaemonSet: one pod per node (`replicas` is ignored). */
export function appDaemonSet(o: AppOptions): V1DaemonSet {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: o.name, namespace: o.namespace, labels: { app: o.name, ...o.labels } },
    spec: {
      selector: { matchLabels: { app: o.name } },
      updateStrategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: o.maxUnavailable ?? 1, maxSurge: o.maxSurge ?? 0 },
      },
      template: appPodTemplate(o),
    },
  };
}

export function appService(o: Pick<AppOptions, "name" | "namespace">): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: o.name, namespace: o.namespace },
    spec: { selector: { app: o.name }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
  };
}

export function quiescePolicy(name: string, namespace: string, spec: QuiescePolicySpecInput) {
  return { apiVersion: "quiesce.dev/v1alpha1", kind: "QuiescePolicy", metadata: { name, namespace }, spec };
}

/** The usual policy for the sample app: its /quiesce endpoint on the http port. */
export function samplePolicySpec(
  app: string,
  drain: Partial<QuiescePolicySpecInput["drain"]> = {},
): QuiescePolicySpecInput {
  return {
    selector: { matchLabels: { app } },
    endpoint: { port: "http", path: "/quiesce" },
    drain: { timeoutSeconds: 120, pollIntervalSeconds: 1, settleSeconds: 5, ...drain },
  };
}
