// Manifests of the scenario workloads: the sample app as a Deployment, its Service, and a QuiescePolicy.
import type { V1Deployment, V1Service } from "@kubernetes/client-node";
import type { QuiescePolicySpecInput } from "../../operator/api/quiesce-policy.ts";

export interface AppOptions {
  name: string;
  namespace: string;
  replicas: number;
  /** terminationGracePeriodSeconds (default 30, as Kubernetes). */
  grace?: number;
  maxSurge?: number | string;
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
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: o.maxSurge ?? "25%", maxUnavailable: o.maxUnavailable ?? "25%" },
      },
      template: {
        metadata: { labels },
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
      },
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
