import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PolicyView } from "../../../operator/api/policy-match.ts";
import {
  createMutatePodsHandler,
  createPodDeletionHandler,
} from "../../../operator/webhooks/admission-handlers.ts";
import {
  type CertificateFiles,
  type CertificateSource,
  createCertificateSource,
  type GeneratedCertificates,
  generateWebhookCertificates,
  writeWebhookCertificates,
} from "../../../operator/webhooks/certificates.ts";
import type { GateEffect } from "../../../operator/webhooks/deletion-gate.ts";
import {
  createWebhookServer,
  type WebhookResult,
  type WebhookServer,
} from "../../../operator/webhooks/server.ts";
import { pod, policy, review } from "./fixtures.ts";
import { call, waitFor } from "./https-client.ts";

let dir: string;
let certs: GeneratedCertificates;
let files: CertificateFiles;
let source: CertificateSource;
let webhooks: WebhookServer;
let port: number;
let failPolicies = false;
const policies: PolicyView[] = [policy()];
const effects: GateEffect[] = [];
const observed: Array<{ webhook: string; result: WebhookResult; seconds: number }> = [];
const sourceErrors: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "webhook-server-"));
  certs = await generateWebhookCertificates({ dnsNames: ["quiesce-operator.quiesce-system.svc"] });
  files = await writeWebhookCertificates(dir, certs);
  source = createCertificateSource({
    certFile: files.certFile,
    keyFile: files.keyFile,
    intervalMs: 25,
    onError: (e) => sourceErrors.push(e.message),
  });
  const listPolicies = () => {
    if (failPolicies) throw new Error("policy cache not synced");
    return policies;
  };
  webhooks = createWebhookServer({
    tls: await source.load(),
    handlers: {
      "mutate-pods": createMutatePodsHandler({ listPolicies }),
      "validate-pod-deletion": createPodDeletionHandler({
        listPolicies,
        getPod: async (namespace, name) => pod({ namespace, name }),
        startDrain: async (e) => void effects.push(e),
        reportDryRun: async (e) => void effects.push(e),
        breakGlassUsed: async (e) => void effects.push(e),
        now: () => new Date("2025-03-04T13:55:31Z"),
      }),
    },
    observeLatency: (labels, seconds) => observed.push({ ...labels, seconds }),
    maxBodyBytes: 3 * 1024 * 1024,
  });
  source.start((pair) => webhooks.setCertificate(pair));
  port = (await webhooks.listen(0)).port;
});

afterAll(async () => {
  source?.stop();
  await webhooks?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) =>
  call(port, path, { ca: certs.caCert, body: JSON.stringify(body) });

function decodePatch(response: { patch?: string }): unknown {
  return JSON.parse(Buffer.from(response.patch ?? "", "base64").toString("utf8"));
}

describe("webhook server over HTTPS", () => {
  it("answers /healthz", async () => {
    const reply = await call(port, "/healthz", { ca: certs.caCert, method: "GET" });
    expect(reply).toMatchObject({ status: 200, body: "ok" });
  });

  it("mutate-pods: echoes the uid and returns the gate as a base64 JSONPatch", async () => {
    const body = review({
      uid: "uid-mutate-1",
      object: {
        metadata: { generateName: "sprout-", labels: { app: "sprout" } },
        spec: { containers: [{ name: "a" }] },
      },
    });
    const reply = await post("/mutate-pods", body);
    expect(reply.status).toBe(200);
    const json = JSON.parse(reply.body);
    expect(json).toMatchObject({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: "uid-mutate-1", allowed: true, patchType: "JSONPatch" },
    });
    expect(decodePatch(json.response)).toEqual([
      { op: "add", path: "/spec/readinessGates", value: [{ conditionType: "quiesce.dev/serving" }] },
    ]);
    expect(observed.at(-1)).toMatchObject({ webhook: "mutate-pods", result: "patched" });
  });

  it("mutate-pods: an unselected pod is allowed without a patch", async () => {
    const body = review({
      uid: "uid-mutate-2",
      object: { metadata: { labels: { app: "x" } }, spec: { containers: [] } },
    });
    const json = JSON.parse((await post("/mutate-pods", body)).body);
    expect(json.response).toEqual({ uid: "uid-mutate-2", allowed: true });
    expect(observed.at(-1)).toMatchObject({ webhook: "mutate-pods", result: "allowed" });
  });

  it("validate-pod-deletion: DELETE of a serving pod is denied with 403 and starts a drain", async () => {
    effects.length = 0;
    const body = review({ uid: "uid-del", operation: "DELETE", name: "sprout-1", oldObject: pod() });
    const json = JSON.parse((await post("/validate-pod-deletion", body)).body);
    expect(json.response).toMatchObject({
      uid: "uid-del",
      allowed: false,
      status: { code: 403, reason: "Forbidden", status: "Failure" },
    });
    expect(json.response.status.message).toContain("pod is draining under QuiescePolicy telecom/sprout");
    expect(effects).toMatchObject([{ kind: "startDrain", pod: { name: "sprout-1" }, via: "delete" }]);
    expect(observed.at(-1)).toMatchObject({ webhook: "validate-pod-deletion", result: "denied" });
  });

  it("validate-pod-deletion: an eviction reads the pod through getPod and is answered 429", async () => {
    effects.length = 0;
    const body = review({
      uid: "uid-evict",
      operation: "CREATE",
      name: "sprout-2",
      subResource: "eviction",
      kind: { group: "policy", version: "v1", kind: "Eviction" },
      object: {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "sprout-2", namespace: "telecom" },
      },
    });
    const json = JSON.parse((await post("/validate-pod-deletion", body)).body);
    expect(json.response).toMatchObject({
      uid: "uid-evict",
      allowed: false,
      status: { code: 429, reason: "TooManyRequests" },
    });
    expect(effects).toMatchObject([
      { kind: "startDrain", pod: { name: "sprout-2" }, via: "evict", reason: "eviction" },
    ]);
  });

  it.each([
    ["not JSON", "{not json", /body is not JSON/],
    ["JSON but not a review", JSON.stringify({ hello: 1 }), /apiVersion/],
    [
      "wrong apiVersion",
      JSON.stringify({ ...review({}), apiVersion: "admission.k8s.io/v1beta1" }),
      /apiVersion must be admission\.k8s\.io\/v1/,
    ],
    ["missing uid", JSON.stringify(review({ uid: "" })), /request\.uid/],
    ["bad operation", JSON.stringify(review({ operation: "PATCH" })), /request\.operation/],
    ["empty body", "", /body is not JSON/],
  ])("garbage (%s) -> 400 with a clear message, and the server stays up", async (_name, body, message) => {
    const reply = await call(port, "/validate-pod-deletion", { ca: certs.caCert, body });
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body).error).toMatch(message);
    expect(observed.at(-1)).toMatchObject({ webhook: "validate-pod-deletion", result: "bad-request" });
    expect((await call(port, "/healthz", { ca: certs.caCert, method: "GET" })).status).toBe(200);
  });

  it("oversized body with a declared length -> 413", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 1, 0x20);
    const reply = await call(port, "/mutate-pods", { ca: certs.caCert, body });
    expect(reply.status).toBe(413);
    expect(observed.at(-1)).toMatchObject({ webhook: "mutate-pods", result: "bad-request" });
  });

  it("oversized chunked body (no length) -> 413, and the server stays up", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, 0x20);
    const reply = await call(port, "/mutate-pods", {
      ca: certs.caCert,
      body,
      headers: { "transfer-encoding": "chunked" },
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body).error).toContain("larger than 3145728 bytes");
    expect(observed.at(-1)).toMatchObject({ webhook: "mutate-pods", result: "bad-request" });
    expect((await call(port, "/healthz", { ca: certs.caCert, method: "GET" })).status).toBe(200);
  });

  it("a failing adapter -> 500 (the API server applies failurePolicy), observed as error; server stays up", async () => {
    failPolicies = true;
    try {
      const reply = await post(
        "/validate-pod-deletion",
        review({ uid: "u", operation: "DELETE", name: "sprout-1", oldObject: pod() }),
      );
      expect(reply.status).toBe(500);
      expect(JSON.parse(reply.body).error).toContain("policy cache not synced");
      expect(observed.at(-1)).toMatchObject({ webhook: "validate-pod-deletion", result: "error" });
    } finally {
      failPolicies = false;
    }
    expect((await post("/mutate-pods", review({ object: pod() }))).status).toBe(200);
  });

  it("a client that hangs up mid-body is observed as an error and the server stays up", async () => {
    const before = observed.length;
    const socket = connect({ host: "127.0.0.1", port, ca: certs.caCert });
    await new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    });
    const head =
      'POST /validate-pod-deletion HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"apiVersion"';
    await new Promise((resolve) => socket.write(head, resolve));
    socket.destroy();
    await waitFor("the aborted review to be observed", async () => observed.length > before);
    expect(observed.at(-1)).toMatchObject({ webhook: "validate-pod-deletion", result: "error" });
    expect((await call(port, "/healthz", { ca: certs.caCert, method: "GET" })).status).toBe(200);
  });

  it("wrong method -> 405, unknown path -> 404", async () => {
    expect((await call(port, "/mutate-pods", { ca: certs.caCert, method: "GET" })).status).toBe(405);
    expect((await call(port, "/nope", { ca: certs.caCert, method: "POST", body: "{}" })).status).toBe(404);
  });

  it("observes a latency for every review", () => {
    expect(observed.length).toBeGreaterThan(5);
    for (const o of observed) expect(o.seconds).toBeGreaterThanOrEqual(0);
  });

  it("rotates the certificate without a restart: new connections get the new one", async () => {
    const next = await generateWebhookCertificates({ dnsNames: ["quiesce-operator.quiesce-system.svc"] });
    expect(next.caCert).not.toBe(certs.caCert);
    // The new CA cannot verify the old certificate...
    await expect(call(port, "/healthz", { ca: next.caCert, method: "GET" })).rejects.toThrow();
    await writeWebhookCertificates(dir, next);
    // ...until the poller picks up the files.
    await waitFor("the rotated certificate to be served", async () => {
      try {
        return (await call(port, "/healthz", { ca: next.caCert, method: "GET" })).status === 200;
      } catch {
        return false;
      }
    });
    await expect(call(port, "/healthz", { ca: certs.caCert, method: "GET" })).rejects.toThrow();
    certs = next;
  });

  it("a broken or mismatched pair on disk is reported once and the served certificate stays", async () => {
    sourceErrors.length = 0;
    const other = await generateWebhookCertificates({ dnsNames: ["x"] });
    await writeFile(files.keyFile, other.key); // key no longer matches the certificate
    await waitFor("the mismatch to be reported", async () => sourceErrors.length > 0);
    expect(sourceErrors[0]).toContain(files.certFile);
    await writeFile(files.certFile, "garbage");
    await waitFor("the garbage to be reported", async () => sourceErrors.length > 1);
    // Still serving the last good pair.
    expect((await call(port, "/healthz", { ca: certs.caCert, method: "GET" })).status).toBe(200);
    const reported = sourceErrors.length;
    expect(await source.checkNow()).toBe(false);
    expect(sourceErrors.length).toBe(reported); // same failure: not reported again on every poll
    // And a repaired pair is picked up.
    await writeWebhookCertificates(dir, other);
    await waitFor("the repaired pair to be served", async () => {
      try {
        return (await call(port, "/healthz", { ca: other.caCert, method: "GET" })).status === 200;
      } catch {
        return false;
      }
    });
    certs = other;
  });
});
