// The webhook server over HTTP/2, as kube-apiserver's webhook client speaks it: many reviews share one connection,
// an oversized body gets its 413, and on shutdown the connection is sent away (GOAWAY) after its answers.
import { type ClientHttp2Session, connect } from "node:http2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createMutatePodsHandler,
  createPodDeletionHandler,
} from "../../../operator/webhooks/admission-handlers.ts";
import {
  type GeneratedCertificates,
  generateWebhookCertificates,
} from "../../../operator/webhooks/certificates.ts";
import { createWebhookServer, type WebhookServer } from "../../../operator/webhooks/server.ts";
import { pod, policy, review } from "./fixtures.ts";

let certs: GeneratedCertificates;
let webhooks: WebhookServer;
let port: number;
let sessions = 0;

beforeEach(async () => {
  certs ??= await generateWebhookCertificates({ dnsNames: ["localhost"] });
  const listPolicies = () => [policy()];
  webhooks = createWebhookServer({
    tls: certs,
    handlers: {
      "mutate-pods": createMutatePodsHandler({ listPolicies }),
      "validate-pod-deletion": createPodDeletionHandler({
        listPolicies,
        getPod: async (namespace, name) => pod({ namespace, name }),
        startDrain: async () => {},
        reportDryRun: async () => {},
        breakGlassUsed: async () => {},
        now: () => new Date("2025-03-04T13:55:31Z"),
      }),
    },
    maxBodyBytes: 64 * 1024,
  });
  sessions = 0;
  webhooks.server.on("session", () => sessions++);
  port = (await webhooks.listen(0)).port;
});

afterEach(async () => {
  await webhooks.close();
});

function open(): ClientHttp2Session {
  return connect(`https://localhost:${port}`, { ca: certs.caCert });
}

function post(
  session: ClientHttp2Session,
  path: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
    let status = 0;
    let text = "";
    stream.on("response", (headers) => {
      status = Number(headers[":status"]);
    });
    stream.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    stream.on("end", () => resolve({ status, text }));
    stream.on("error", reject);
    stream.end(body);
  });
}

const deletion = (name: string) =>
  JSON.stringify(
    review({ uid: `uid-${name}`, operation: "DELETE", name, oldObject: pod({ name }), object: null }),
  );

describe("webhook server over HTTP/2", () => {
  it("answers 200 concurrent reviews on one connection", async () => {
    const session = open();
    const names = Array.from({ length: 200 }, (_, i) => `sprout-${i}`);
    const replies = await Promise.all(names.map((n) => post(session, "/validate-pod-deletion", deletion(n))));
    expect(replies.map((r) => r.status)).toEqual(names.map(() => 200));
    const uids = replies.map((r) => (JSON.parse(r.text) as { response: { uid: string } }).response.uid);
    expect(uids).toEqual(names.map((n) => `uid-${n}`));
    const denied = JSON.parse(replies[0]?.text ?? "{}") as {
      response: { allowed: boolean; status: { code: number } };
    };
    expect(denied.response).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(sessions).toBe(1);
    session.close();
  });

  it("refuses an oversized body with 413 and the connection still serves", async () => {
    const session = open();
    const big = await post(session, "/mutate-pods", "x".repeat(200 * 1024));
    expect(big.status).toBe(413);
    const next = await post(session, "/validate-pod-deletion", deletion("sprout-1"));
    expect(next.status).toBe(200);
    session.close();
  });

  it("on shutdown answers, then sends the connection away; a new one is answered too", async () => {
    const session = open();
    expect((await post(session, "/validate-pod-deletion", deletion("a"))).status).toBe(200);
    webhooks.closeConnectionsAfterEachCall();
    const goaway = new Promise<void>((resolve) => session.once("goaway", () => resolve()));
    expect((await post(session, "/validate-pod-deletion", deletion("b"))).status).toBe(200);
    await goaway;
    const again = open();
    expect((await post(again, "/validate-pod-deletion", deletion("c"))).status).toBe(200);
    expect(sessions).toBe(2);
    again.close();
  });
});
