// The webhook server keeps idle connections open longer than the API server does, so a reused connection is never
// closed under a request (a failed call fails open, and a pod DELETE would skip its drain); and on shutdown it
// closes each connection after its answer and lets calls in flight finish before it stops.
import { Agent, type RequestOptions, request } from "node:https";
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
  await webhooks?.close().catch(() => undefined);
});

function reviewBody(): string {
  return JSON.stringify(
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
}

/** A review POST to the server, on `agent`'s pooled connections or (false) on a connection of its own. */
function reviewRequest(agent: Agent | false, headers: Record<string, string | number> = {}): RequestOptions {
  return {
    host: "127.0.0.1",
    port,
    path: "/mutate-pods",
    method: "POST",
    ca: certs.caCert,
    servername: "localhost",
    agent,
    headers: { "content-type": "application/json", ...headers },
  };
}

function post(agent: Agent): Promise<{ status: number; reused: boolean; connection: string | undefined }> {
  const body = reviewBody();
  return new Promise((resolve, reject) => {
    const req = request(reviewRequest(agent), (res) => {
      res.resume();
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          reused: req.reusedSocket,
          connection: res.headers.connection,
        }),
      );
    });
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

it("on shutdown answers with Connection: close, then lets a call in flight finish before closing", async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect((await post(agent)).connection).toBe("keep-alive");
    webhooks.closeConnectionsAfterEachCall();
    const closing = await post(agent);
    expect(closing.status).toBe(200);
    expect(closing.connection).toBe("close");
    expect((await post(agent)).reused).toBe(false);
  } finally {
    agent.destroy();
  }
  // A call whose body is still arriving when close() starts is answered, not cut.
  const body = reviewBody();
  let req: ReturnType<typeof request> | undefined;
  const answered = new Promise<number>((resolve, reject) => {
    req = request(reviewRequest(false, { "content-length": Buffer.byteLength(body) }), (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.write(body.slice(0, 10));
  });
  await new Promise((r) => setTimeout(r, 200));
  const closed = webhooks.close(5_000);
  await new Promise((r) => setTimeout(r, 300));
  req?.end(body.slice(10));
  expect(await answered).toBe(200);
  await closed;
});
