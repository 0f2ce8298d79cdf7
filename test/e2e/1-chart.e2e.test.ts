// What a user sees after `helm install` with the chart's defaults: 2 ready replicas, one leader, the PDB, generated
// certificates the API server trusts (webhooks over TLS through the Service), /metrics through the Service; and the
// kubectl plugin (status, rollout restart|status, maintenance mode) through kubectl's plugin discovery.
import { AdmissionregistrationV1Api, PolicyV1Api, type V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { SERVING_CONDITION } from "../../operator/api/pod-annotations.ts";
import { waitFor } from "../harness/wait-for.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, isReady, listPods, nameOf } from "../scenarios/workloads.ts";
import { RELEASE, RELEASE_NAMESPACE } from "./install-chart.ts";
import { drainedCount } from "./support/events.ts";
import { getRaw, kubectlQuiesce } from "./support/kubectl.ts";
import { leaderIdentity, operatorPods, WEBHOOK_SERVICE, webhookFailures } from "./support/operator.ts";
import { pluginDir } from "./support/plugin-dir.ts";
import { e2eSuite } from "./support/suite.ts";

const { kc, apis, namespace } = e2eSuite();
const hasGate = (p: V1Pod) =>
  p.spec?.readinessGates?.some((g) => g.conditionType === SERVING_CONDITION) ?? false;

describe.concurrent("e2e: the chart's defaults", () => {
  it("runs 2 ready replicas, one of them the leader, under a PodDisruptionBudget", async () => {
    const pods = await operatorPods(apis);
    expect(pods).toHaveLength(2);
    expect(pods.every(isReady)).toBe(true);
    const holder = await leaderIdentity(kc);
    expect(pods.map((p) => p.metadata?.name)).toContain(holder);
    const pdb = await kc
      .makeApiClient(PolicyV1Api)
      .readNamespacedPodDisruptionBudget({ name: RELEASE, namespace: RELEASE_NAMESPACE });
    expect(pdb.spec?.minAvailable).toBe(1);
    expect(pdb.status?.currentHealthy).toBe(2);
    expect(pdb.status?.disruptionsAllowed).toBe(1);
  });

  it("generates a CA and serving certificate and puts the CA in both webhook configurations", async () => {
    const secret = await apis.core.readNamespacedSecret({
      name: `${RELEASE}-webhook-tls`,
      namespace: RELEASE_NAMESPACE,
    });
    const ca = secret.data?.["ca.crt"] ?? "";
    expect(ca.length).toBeGreaterThan(100);
    expect(secret.data?.["tls.crt"]).toBeTruthy();
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const mutating = await admission.readMutatingWebhookConfiguration({ name: RELEASE });
    const validating = await admission.readValidatingWebhookConfiguration({ name: RELEASE });
    for (const hook of [...(mutating.webhooks ?? []), ...(validating.webhooks ?? [])]) {
      expect(hook.clientConfig.caBundle).toBe(ca);
      expect(hook.clientConfig.service?.name).toBe(WEBHOOK_SERVICE);
    }
  });

  it("serves /metrics through its Service", async () => {
    const text = await getRaw(
      `/api/v1/namespaces/${RELEASE_NAMESPACE}/services/http:${WEBHOOK_SERVICE}:metrics/proxy/metrics`,
    );
    expect(text).toMatch(/^# TYPE quiesce_drains_started_total counter$/m);
    // Whichever replica answers: the leader reports 1, the standby 0.
    expect(text).toMatch(/^leader_election_master_status\{name="quiesce-operator"\} [01]$/m);
  });

  it("answers the API server over TLS: the readiness gate lands in selected pods only", async () => {
    const before = await webhookFailures();
    const ns = await namespace("e2e-gate");
    await createPolicy(apis, "selected", ns, samplePolicySpec("selected"));
    const selected = await createApp(apis, { name: "selected", namespace: ns, replicas: 2 }, 180_000);
    const other = await createApp(apis, { name: "other", namespace: ns, replicas: 1 }, 180_000);
    expect(selected.every(hasGate)).toBe(true);
    expect(other.some(hasGate)).toBe(false);
    // Ready means the leader set the gate's condition True, through the real kubelet's readiness evaluation.
    expect(selected.every(isReady)).toBe(true);
    const after = await webhookFailures();
    expect(after.failOpen - before.failOpen).toBe(0);
  });
});

describe.concurrent("e2e: kubectl quiesce against the cluster", () => {
  it("status, rollout restart and rollout status follow the drains", async () => {
    const ns = await namespace("e2e-plugin");
    const dir = await pluginDir();
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const before = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 5 }, 180_000);
    const status = await kubectlQuiesce(["-n", ns, "status"], dir);
    for (const p of before) expect(status).toContain(nameOf(p));
    const restart = await kubectlQuiesce(
      ["-n", ns, "rollout", "restart", "deployment/web", "--timeout", "4m"],
      dir,
    );
    expect(restart).toMatch(/drains 2\/2 done \(2 drained, 0 timed out\)/);
    expect(restart).toMatch(/deployment "web" successfully rolled out/);
    expect(await drainedCount(apis, ns, before)).toBe(2);
    const rolled = await kubectlQuiesce(
      ["-n", ns, "rollout", "status", "deployment/web", "--timeout", "1m"],
      dir,
    );
    expect(rolled).toMatch(/successfully rolled out/);
  });

  it("maintenance mode quiesces every pod without deleting it, then lifts", async () => {
    const ns = await namespace("e2e-maint");
    const dir = await pluginDir();
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const pods = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 5 }, 180_000);
    await kubectlQuiesce(
      ["-n", ns, "quiesce", "deployment/web", "--reason", "e2e maintenance", "--wait", "--timeout", "3m"],
      dir,
    );
    const during = await listPods(apis, ns, "web");
    expect(during.map(nameOf).sort()).toEqual(pods.map(nameOf).sort());
    expect(during.some(isReady)).toBe(false);
    await kubectlQuiesce(["-n", ns, "unquiesce", "deployment/web"], dir);
    await kubectlQuiesce(["-n", ns, "wait", "deployment/web", "--for", "unquiesced", "--timeout", "3m"], dir);
    const after = await waitFor(
      async () => {
        const now = await listPods(apis, ns, "web");
        return now.length === 2 && now.every(isReady) ? now : undefined;
      },
      { timeoutMs: 120_000, what: "both web pods Ready again after maintenance" },
    );
    expect(after.map(nameOf).sort()).toEqual(pods.map(nameOf).sort());
  });
});
