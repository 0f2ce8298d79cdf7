// The Helm chart on the real control plane: its RBAC, applied as rendered, is enough for the operator (run locally
// with the chart ServiceAccount's token) to drain a whole rollout, and denies what the operator must never do.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
  type V1Deployment,
} from "@kubernetes/client-node";
import { destination, pino } from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import { parseOperatorConfig } from "../../operator/app/config.ts";
import { type RunningOperator, startOperator } from "../../operator/app/start-operator.ts";
import { applyManifest, type Manifest } from "../../operator/kube/apply.ts";
import {
  buildWebhookConfigurations,
  generateWebhookCertificates,
  installWebhookConfigurations,
  removeWebhookConfigurations,
  WEBHOOK_CONFIGURATION_NAME,
  writeWebhookCertificates,
} from "../../operator/webhooks/index.ts";
import { waitFor } from "../harness/wait-for.ts";
import { appDeployment, appService, samplePolicySpec } from "../scenarios/manifests.ts";
import {
  type Apis,
  createPolicy,
  isReady,
  listPods,
  rolloutRestart,
  waitRolloutComplete,
} from "../scenarios/workloads.ts";
import { loadKubeConfig } from "./support/cluster.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHART = join(ROOT, "charts", "quiesce-operator");
const RELEASE = "qo";
const FULLNAME = "qo-quiesce-operator"; // the chart's names for release "qo"
const RBAC_KINDS = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

const run = `${process.pid}-${Date.now().toString(36)}`;
const releaseNs = `quiesce-rbac-${run}`.slice(0, 63);
const appNs = `rbac-app-${run}`.slice(0, 63);

const admin = loadKubeConfig();
const adminApis: Apis = {
  core: admin.makeApiClient(CoreV1Api),
  apps: admin.makeApiClient(AppsV1Api),
  custom: admin.makeApiClient(CustomObjectsApi),
};
let rendered: Manifest[] = [];
let operatorKc: KubeConfig;
let operator: RunningOperator | undefined;
const clusterScoped: Manifest[] = [];

async function helm(...args: string[]): Promise<string> {
  const exec = promisify(execFile);
  // Builds helm from the Go module proxy on first use (minutes, once); cached after.
  const { stdout: path } = await exec("bash", [join(ROOT, "hack", "helm.sh")], { maxBuffer: 1 << 20 });
  const { stdout } = await exec(path.trim(), args, { maxBuffer: 16 << 20 });
  return stdout;
}

const statusCode = (error: unknown) => (error as { code?: number }).code;
async function expectForbidden(what: string, call: () => Promise<unknown>): Promise<void> {
  const code = await call().then(
    () => 200,
    (error: unknown) => statusCode(error) ?? -1,
  );
  expect(code, what).toBe(403);
}

/** A kubeconfig for the same cluster that authenticates with `token` only. */
function tokenKubeConfig(token: string): string {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("admin kubeconfig has no cluster");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, name: "local" }],
    users: [{ name: "quiesce-operator", token }],
    contexts: [{ name: "operator", cluster: "local", user: "quiesce-operator", namespace: releaseNs }],
    currentContext: "operator",
  });
  const dir = mkdtempSync(join(tmpdir(), "quiesce-rbac-"));
  const path = join(dir, "kubeconfig");
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  const out = await helm(
    "template",
    RELEASE,
    CHART,
    "--namespace",
    releaseNs,
    "--include-crds",
    "--set",
    `tokenSecrets[0].namespace=${appNs},tokenSecrets[0].name=quiesce-token`,
  );
  rendered = parseAllDocuments(out)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);

  for (const name of [releaseNs, appNs])
    await adminApis.core.createNamespace({ body: { metadata: { name } } });
  // The chart's CRD is the generated one (a sync check keeps them equal); RBAC objects are applied as rendered.
  for (const m of rendered.filter((m) => m.kind === "CustomResourceDefinition"))
    await applyManifest(admin, m);
  for (const kind of RBAC_KINDS) {
    for (const m of rendered.filter((r) => r.kind === kind)) {
      await applyManifest(admin, m);
      if (m.metadata.namespace === undefined) clusterScoped.push(m);
    }
  }

  const sa = rendered.find((m) => m.kind === "ServiceAccount");
  if (!sa) throw new Error("the chart rendered no ServiceAccount");
  const tokenRequest = await adminApis.core.createNamespacedServiceAccountToken({
    name: sa.metadata.name,
    namespace: releaseNs,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const token = tokenRequest.status?.token;
  if (!token) throw new Error("TokenRequest returned no token");
  const kubeconfig = tokenKubeConfig(token);
  operatorKc = new KubeConfig();
  operatorKc.loadFromFile(kubeconfig);

  // The chart's webhook configurations point at its Service; locally the admin installs URL ones (the chart
  // grants the operator no right to write them), with the CA of the certificates the operator serves.
  const certs = await generateWebhookCertificates({ dnsNames: ["localhost"] });
  const certDir = join(dirname(kubeconfig), "webhook-tls");
  await writeWebhookCertificates(certDir, certs);
  const logDir = join(inject("clusterDir"), "logs");
  mkdirSync(logDir, { recursive: true });
  const logger = pino(
    { level: "debug", base: { test: "chart-rbac" } },
    destination({ dest: join(logDir, "operator-chart-rbac.log"), sync: false, append: true }),
  );
  operator = await startOperator(
    parseOperatorConfig({
      kubeconfig,
      namespace: releaseNs,
      webhookConfig: "none",
      webhookCertDir: certDir,
      webhookHost: "127.0.0.1",
      webhookPort: 0,
      healthHost: "127.0.0.1",
      healthPort: 0,
      leaderElect: true,
      leaseName: FULLNAME,
      identity: `chart-rbac-${run}`,
    }),
    logger,
  );
  // As the chart's readinessProbe does: admission requests only once the caches have synced.
  const readyz = `http://127.0.0.1:${operator.healthPort}/readyz`;
  await waitFor(async () => (await fetch(readyz)).ok, { timeoutMs: 60_000, what: `${readyz} to answer 200` });
  await installWebhookConfigurations(
    admin,
    buildWebhookConfigurations({
      target: { url: `https://127.0.0.1:${operator.webhookPort}` },
      caBundlePem: certs.caCert,
      excludedNamespaces: [releaseNs],
    }),
  );
}, 600_000);

afterAll(async () => {
  await operator?.stop();
  await removeWebhookConfigurations(admin);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  for (const m of clusterScoped) {
    if (m.kind === "ClusterRole")
      await rbac.deleteClusterRole({ name: m.metadata.name }).catch(() => undefined);
    if (m.kind === "ClusterRoleBinding")
      await rbac.deleteClusterRoleBinding({ name: m.metadata.name }).catch(() => undefined);
  }
  for (const name of [appNs, releaseNs])
    await adminApis.core.deleteNamespace({ name }).catch(() => undefined);
});

describe("Helm chart RBAC on the real control plane", () => {
  it("renders webhook configurations equal to the operator's own, and a hardened HA Deployment", () => {
    const built = buildWebhookConfigurations({
      target: { service: { namespace: releaseNs, name: `${FULLNAME}-webhook`, port: 443 } },
      caBundlePem: "unused",
      excludedNamespaces: [releaseNs],
    });
    const strip = (webhooks: unknown) =>
      JSON.parse(JSON.stringify(webhooks), (key, value) => (key === "caBundle" ? undefined : value));
    for (const [kind, ours] of [
      ["MutatingWebhookConfiguration", built.mutating],
      ["ValidatingWebhookConfiguration", built.validating],
    ] as const) {
      const chart = rendered.find((m) => m.kind === kind);
      expect(strip(chart?.webhooks), kind).toEqual(strip(ours.webhooks));
      const hooks = chart?.webhooks as { failurePolicy: string; clientConfig: { caBundle?: string } }[];
      expect(hooks[0]?.failurePolicy).toBe("Ignore");
      expect(hooks[0]?.clientConfig.caBundle).toMatch(/^[A-Za-z0-9+/=]{100,}$/);
    }
    const deployment = rendered.find((m) => m.kind === "Deployment") as unknown as V1Deployment;
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    expect(deployment.spec?.replicas).toBe(2);
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(container?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.env).toContainEqual({ name: "QUIESCE_LEADER_ELECT", value: "true" });
    expect(container?.readinessProbe?.httpGet).toMatchObject({ path: "/readyz", port: "metrics" });
    expect(pod?.affinity?.podAntiAffinity).toBeDefined();
    expect(rendered.some((m) => m.kind === "PodDisruptionBudget")).toBe(true);
    const secret = rendered.find((m) => m.kind === "Secret") as unknown as { data: Record<string, string> };
    expect(Object.keys(secret.data).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
  });

  it("the operator, with only the chart's RBAC, wins the lease and drains a full rollout (token Secret included)", async () => {
    await waitFor(() => operator?.isLeader(), { timeoutMs: 30_000, what: "the operator to lead" });
    const lease = await admin
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: FULLNAME, namespace: releaseNs });
    expect(lease.spec?.holderIdentity).toBe(`chart-rbac-${run}`);

    const token = "s3cret-quiesce-token";
    for (const name of ["quiesce-token", "unrelated"]) {
      await adminApis.core.createNamespacedSecret({
        namespace: appNs,
        body: { metadata: { name }, stringData: { token } },
      });
    }
    const spec = samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 });
    await createPolicy(adminApis, "web", appNs, {
      ...spec,
      endpoint: { port: "http", path: "/quiesce", tokenSecretRef: { name: "quiesce-token", key: "token" } },
    });
    // The operator has seen the policy (its status is written) before any pod is created.
    await waitFor(
      async () => {
        const p = (await adminApis.custom.getNamespacedCustomObject({
          group: "quiesce.dev",
          version: "v1alpha1",
          plural: "quiescepolicies",
          namespace: appNs,
          name: "web",
        })) as { status?: { observedGeneration?: number } };
        return p.status?.observedGeneration !== undefined;
      },
      { timeoutMs: 30_000, what: "the operator to observe QuiescePolicy web" },
    );
    // The sample app demands the bearer token on /quiesce: a drain only succeeds if the operator read the Secret.
    const deployment = appDeployment({ name: "web", namespace: appNs, replicas: 2, grace: 5 });
    const container = deployment.spec?.template.spec?.containers[0];
    if (container) container.env = [{ name: "QUIESCE_TOKEN", value: token }];
    await adminApis.core.createNamespacedService({
      namespace: appNs,
      body: appService({ name: "web", namespace: appNs }),
    });
    await adminApis.apps.createNamespacedDeployment({ namespace: appNs, body: deployment });
    const before = await waitFor(
      async () => {
        const pods = await listPods(adminApis, appNs, "web");
        return pods.length === 2 && pods.every(isReady) ? pods : undefined;
      },
      { timeoutMs: 60_000, what: "2 ready web pods" },
    );
    for (const p of before) {
      expect(p.spec?.readinessGates?.map((g) => g.conditionType)).toContain(SERVING_CONDITION);
    }

    await rolloutRestart(adminApis, appNs, "web");
    await waitRolloutComplete(adminApis, appNs, "web", 120_000);
    const oldNames = before.map((p) => p.metadata?.name ?? "");
    const events = await adminApis.core.listNamespacedEvent({ namespace: appNs });
    const outcomes = events.items
      .filter((e) => oldNames.includes(e.involvedObject.name ?? ""))
      .map((e) => e.reason);
    expect(outcomes.filter((r) => r === "Drained")).toHaveLength(2);
    expect(outcomes).not.toContain("DrainTimedOut");
    expect(outcomes).not.toContain("EndpointError");
    await waitFor(
      async () => {
        const p = (await adminApis.custom.getNamespacedCustomObject({
          group: "quiesce.dev",
          version: "v1alpha1",
          plural: "quiescepolicies",
          namespace: appNs,
          name: "web",
        })) as { status?: { drains?: { completed?: number } } };
        return (p.status?.drains?.completed ?? 0) >= 2;
      },
      { timeoutMs: 20_000, what: "policy status counting 2 completed drains" },
    );
  });

  it("the operator finishes a gated kubectl delete with its own delete, and a gated eviction with its own eviction", async () => {
    const ready = () =>
      waitFor(
        async () => {
          const pods = await listPods(adminApis, appNs, "web");
          return pods.length === 2 && pods.every(isReady) ? pods : undefined;
        },
        { timeoutMs: 60_000, what: "2 ready web pods" },
      );
    const gone = (name: string) =>
      waitFor(
        async () =>
          adminApis.core.readNamespacedPod({ namespace: appNs, name }).then(
            () => false,
            (error: unknown) => statusCode(error) === 404,
          ),
        { timeoutMs: 60_000, what: `pod ${name} removed by the operator` },
      );
    // Nobody retries these removals: only the operator's own delete / eviction (chart RBAC) can finish them.
    const [first] = await ready();
    const victim = first?.metadata?.name ?? "";
    const denied = await adminApis.core.deleteNamespacedPod({ namespace: appNs, name: victim }).then(
      () => 200,
      (error: unknown) => statusCode(error),
    );
    expect(denied, "the gate denies the first delete").not.toBe(200);
    await gone(victim);
    const [next] = await ready();
    const evicted = next?.metadata?.name ?? "";
    const eviction = await adminApis.core
      .createNamespacedPodEviction({
        namespace: appNs,
        name: evicted,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: evicted, namespace: appNs } },
      })
      .then(
        () => 201,
        (error: unknown) => statusCode(error),
      );
    expect(eviction, "the gate answers an eviction with 429").toBe(429);
    await gone(evicted);
    const events = await adminApis.core.listNamespacedEvent({ namespace: appNs });
    for (const name of [victim, evicted]) {
      const reasons = events.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason);
      expect(reasons, name).toContain("Drained");
    }
  });

  it("the chart's ServiceAccount cannot read other Secrets, delete Deployments, create pods in kube-system or rewrite webhooks", async () => {
    const core = operatorKc.makeApiClient(CoreV1Api);
    const apps = operatorKc.makeApiClient(AppsV1Api);
    const admission = operatorKc.makeApiClient(AdmissionregistrationV1Api);
    // The one Secret it was pointed at is readable; nothing else is.
    await expect(
      core.readNamespacedSecret({ namespace: appNs, name: "quiesce-token" }),
    ).resolves.toBeDefined();
    await expectForbidden("read another Secret in the app namespace", () =>
      core.readNamespacedSecret({ namespace: appNs, name: "unrelated" }),
    );
    await expectForbidden("list Secrets in the app namespace", () =>
      core.listNamespacedSecret({ namespace: appNs }),
    );
    await expectForbidden("list Secrets cluster-wide", () => core.listSecretForAllNamespaces());
    await expectForbidden(
      "list Secrets in its own namespace (the webhook TLS Secret is mounted, not read)",
      () => core.listNamespacedSecret({ namespace: releaseNs }),
    );
    await expectForbidden("delete a Deployment", () =>
      apps.deleteNamespacedDeployment({ namespace: appNs, name: "web" }),
    );
    await expectForbidden("scale a Deployment", () =>
      apps.replaceNamespacedDeploymentScale({
        namespace: appNs,
        name: "web",
        body: { metadata: { name: "web", namespace: appNs }, spec: { replicas: 0 } },
      }),
    );
    await expectForbidden("create a pod in kube-system", () =>
      core.createNamespacedPod({
        namespace: "kube-system",
        body: { metadata: { name: "escalate" }, spec: { containers: [{ name: "x", image: "busybox" }] } },
      }),
    );
    await expectForbidden("rewrite the validating webhook configuration", () =>
      admission.deleteValidatingWebhookConfiguration({ name: WEBHOOK_CONFIGURATION_NAME }),
    );
    await expectForbidden("take a Lease outside its namespace", () =>
      operatorKc.makeApiClient(CoordinationV1Api).createNamespacedLease({
        namespace: "kube-system",
        body: { metadata: { name: "steal" }, spec: {} },
      }),
    );
  });
});
