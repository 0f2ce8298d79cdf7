// The webhook server keeps idle connections open longer than the API server does, so a reused connection is never
// closed under a request (a failed call fails open, and a pod DELETE would skip its drain).
import { Agent, request } from "node:https";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createMutatePodsHandler,
  createPodDeletionHandler,
  createWebhookServer,
  type GeneratedCertificates,
  generateWebhookCertificates,
  type WebhookServer,
} from "../../../operator/webhooks/index.ts";
import { WEBHOOK_KEEP_ALIVE_MS } from "../../../operator/webhooks/server.ts";
import { policy, review } from "./fixtures.ts";

let certs: GeneratedCertificates;
let webhooks: WebhookServer;
let port: number;

beforeAll(async () => {
  certs = await generateWebhookCertificates({ dnsNames: ["localhost"] });
  webhooks = createWebhookServer({
    tls: { cert: certs.cert, key: certs.key },
    handlers: {
      "mutate-pods": createMutatePodsHandler({ listPolicies: () => [policy()] }),
      "validate-pod-deletion": createPodDeletionHandler({
        listPolicies: () => [policy()],
        getPod: async () => undefined,
        startDrain: async () => {},
        reportDryRun: async () => {},
        breakGlassUsed: async () => {},
        now: () => new Date(),
      }),
    },
  });
  port = (await webhooks.listen(0)).port;
});
afterAll(async () => {
  await webhooks?.close();
});

function post(agent: Agent): Promise<{ status: number; reused: boolean }> {
  const body = JSON.stringify(
    review({
      uid: "u1",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      operation: "CREATE",
      namespace: "ns",
      object: {
        metadata: { name: "p", namespace: "ns", labels: { app: "other" } },
        spec: { containers: [] },
      },
    }),
  );
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/mutate-pods",
        method: "POST",
        ca: certs.caCert,
        servername: "localhost",
        agent,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

it("outlives Go's 90 s idle timeout, and still holds a connection idle past Node's 5 s default", async () => {
  expect(WEBHOOK_KEEP_ALIVE_MS).toBeGreaterThan(90_000);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect((await post(agent)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 6000));
    const second = await post(agent);
    expect(second.status).toBe(200);
    expect(second.reused).toBe(true);
  } finally {
    agent.destroy();
  }
});
