import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildWebhookConfigurations,
  installWebhookConfigurations,
} from "../../../operator/webhooks/configurations.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const CA_B64 = Buffer.from(CA).toString("base64");

describe("buildWebhookConfigurations", () => {
  it("local mode: URLs on 127.0.0.1 with the CA bundle and the fixed settings", () => {
    const { mutating, validating } = buildWebhookConfigurations({
      target: { url: "https://127.0.0.1:9443/" },
      caBundlePem: CA,
      excludedNamespaces: ["quiesce-system"],
    });
    expect(mutating.metadata?.name).toBe("quiesce-operator");
    expect(validating.metadata?.name).toBe("quiesce-operator");
    const [m] = mutating.webhooks ?? [];
    const [v] = validating.webhooks ?? [];
    expect(m).toMatchObject({
      name: "pods.mutate.quiesce.dev",
      clientConfig: { url: "https://127.0.0.1:9443/mutate-pods", caBundle: CA_B64 },
      admissionReviewVersions: ["v1"],
      sideEffects: "NoneOnDryRun",
      failurePolicy: "Ignore",
      timeoutSeconds: 5,
      reinvocationPolicy: "IfNeeded",
      rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
      namespaceSelector: {
        matchExpressions: [
          {
            key: "kubernetes.io/metadata.name",
            operator: "NotIn",
            values: ["kube-system", "quiesce-system"],
          },
        ],
      },
    });
    expect(m?.objectSelector).toBeUndefined();
    expect(v).toMatchObject({
      name: "pod-deletion.validate.quiesce.dev",
      clientConfig: { url: "https://127.0.0.1:9443/validate-pod-deletion", caBundle: CA_B64 },
      sideEffects: "NoneOnDryRun",
      rules: [
        { operations: ["DELETE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
        { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods/eviction"] },
      ],
    });
    expect(v?.objectSelector).toBeUndefined();
  });

  it("in-cluster: a Service reference per webhook path; failurePolicy and timeout configurable", () => {
    const { mutating, validating } = buildWebhookConfigurations({
      target: { service: { namespace: "quiesce-system", name: "quiesce-operator", port: 443 } },
      caBundlePem: CA,
      failurePolicy: "Fail",
      timeoutSeconds: 3,
      excludedNamespaces: ["kube-system"],
    });
    expect(mutating.webhooks?.[0]).toMatchObject({
      clientConfig: {
        service: { namespace: "quiesce-system", name: "quiesce-operator", port: 443, path: "/mutate-pods" },
      },
      failurePolicy: "Fail",
      timeoutSeconds: 3,
      namespaceSelector: { matchExpressions: [{ values: ["kube-system"] }] },
    });
    expect(validating.webhooks?.[0]?.clientConfig.service?.path).toBe("/validate-pod-deletion");
    expect(validating.webhooks?.[0]?.clientConfig.url).toBeUndefined();
  });
});

describe("installWebhookConfigurations", () => {
  interface Seen {
    method: string;
    url: string;
    contentType: string;
    body: Record<string, unknown>;
  }
  const seen: Seen[] = [];
  let server: Server;
  let status = 200;

  async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }

  beforeAll(async () => {
    // A stand-in API server on loopback that records what the client sends.
    server = createServer((req, res) => {
      void readJson(req).then((body) => {
        seen.push({
          method: req.method ?? "",
          url: req.url ?? "",
          contentType: req.headers["content-type"] ?? "",
          body,
        });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            status === 200
              ? body
              : { kind: "Status", apiVersion: "v1", status: "Failure", message: "nope", code: status },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  function kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    const port = (server.address() as AddressInfo).port;
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    return kc;
  }

  it("server-side applies both configurations, forced, as field manager quiesce-operator", async () => {
    seen.length = 0;
    status = 200;
    const configs = buildWebhookConfigurations({
      target: { url: "https://127.0.0.1:9443" },
      caBundlePem: CA,
    });
    await installWebhookConfigurations(kubeConfig(), configs);
    expect(seen.map((s) => [s.method, s.url.split("?")[0], s.contentType])).toEqual([
      [
        "PATCH",
        "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/quiesce-operator",
        "application/apply-patch+yaml",
      ],
      [
        "PATCH",
        "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/quiesce-operator",
        "application/apply-patch+yaml",
      ],
    ]);
    for (const s of seen) {
      const query = new URLSearchParams(s.url.split("?")[1]);
      expect(query.get("fieldManager")).toBe("quiesce-operator");
      expect(query.get("force")).toBe("true");
    }
    expect(seen[0]?.body).toMatchObject({
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "quiesce-operator" },
    });
    expect(seen[1]?.body).toMatchObject({ kind: "ValidatingWebhookConfiguration" });
  });

  it("a refusal names the object that failed", async () => {
    status = 403;
    const configs = buildWebhookConfigurations({
      target: { url: "https://127.0.0.1:9443" },
      caBundlePem: CA,
    });
    await expect(installWebhookConfigurations(kubeConfig(), configs)).rejects.toThrow(
      /applying MutatingWebhookConfiguration quiesce-operator failed/,
    );
  });
});
