// `helm uninstall`: no webhook configuration is left, pods delete normally afterwards, the CRD and the
// policies stay (Helm never deletes CRDs). Last file: the operator is gone after it.
import { AdmissionregistrationV1Api, ApiextensionsV1Api } from "@kubernetes/client-node";
import { describe, expect, inject, it } from "vitest";
import { waitFor } from "../harness/wait-for.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, listPods, nameOf } from "../scenarios/workloads.ts";
import { RELEASE, uninstallChart } from "./install-chart.ts";
import { kubectl } from "./support/kubectl.ts";
import { e2eSuite } from "./support/suite.ts";

const { kc, apis, namespace } = e2eSuite();

describe("e2e: helm uninstall", () => {
  it("removes the webhooks, keeps the CRD and policies, and pods delete normally", async () => {
    const ns = await namespace("e2e-uninstall");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 1, grace: 5 }, 180_000);
    await uninstallChart(inject("kubeconfigPath"));

    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    const ours = (items: { metadata?: { name?: string; labels?: Record<string, string> } }[]) =>
      items.filter(
        (c) => c.metadata?.name === RELEASE || c.metadata?.labels?.["app.kubernetes.io/instance"] === RELEASE,
      );
    expect(ours((await admission.listMutatingWebhookConfiguration()).items)).toHaveLength(0);
    expect(ours((await admission.listValidatingWebhookConfiguration()).items)).toHaveLength(0);

    const crd = await kc
      .makeApiClient(ApiextensionsV1Api)
      .readCustomResourceDefinition({ name: "quiescepolicies.quiesce.dev" });
    expect(crd.metadata?.name).toBe("quiescepolicies.quiesce.dev");
    const policies = await kubectl(["-n", ns, "get", "quiescepolicies", "-o", "name"]);
    expect(policies.trim()).toBe("quiescepolicy.quiesce.dev/web");

    // Without the operator, `kubectl delete` takes the pod at once (no webhook denies it).
    const started = Date.now();
    await kubectl(["-n", ns, "delete", "pod", nameOf(pod!), "--timeout", "60s"]);
    expect((Date.now() - started) / 1000).toBeLessThan(30);
    await waitFor(async () => !(await listPods(apis, ns, "web")).some((p) => nameOf(p) === nameOf(pod!)), {
      timeoutMs: 30_000,
      what: "the deleted pod gone",
    });
  });
});
