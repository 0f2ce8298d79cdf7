// Property tests of the webhook server under hostile admission input, over real HTTPS on 127.0.0.1 with fake
// caches: whatever body arrives, it answers a well-formed AdmissionReview echoing the request's uid (200) or a JSON
// error (400, 413), never fails (500) nor stops serving, keeps its messages bounded, and refuses oversized bodies
// without reading them.

import type { ClientRequest } from "node:http";
import { Agent, request } from "node:https";
import { Writable } from "node:stream";
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMutatePodsHandler,
  createPodDeletionHandler,
} from "../../../operator/webhooks/admission-handlers.ts";
import {
  ADMISSION_API_VERSION,
  MAX_STATUS_MESSAGE_CHARS,
} from "../../../operator/webhooks/admission-review.ts";
import {
  type GeneratedCertificates,
  generateWebhookCertificates,
} from "../../../operator/webhooks/certificates.ts";
import type { GateEffect } from "../../../operator/webhooks/deletion-gate.ts";
import {
  createWebhookServer,
  DEFAULT_MAX_BODY_BYTES,
  MUTATE_PODS_PATH,
  VALIDATE_POD_DELETION_PATH,
  type WebhookResult,
  type WebhookServer,
} from "../../../operator/webhooks/server.ts";
import { type Reply, readReply } from "../sdk/http-helpers.ts";
import { pod, policy, review } from "./fixtures.ts";
import { answerableReview, anyBody, toBody, withProtoKey } from "./hostile-reviews.ts";

const PATHS = [MUTATE_PODS_PATH, VALIDATE_POD_DELETION_PATH] as const;
/** Error bodies carry the path of at most 5 schema issues, each segment cut: well under this. */
const MAX_ERROR_CHARS = 1200;
const SMALL_LIMIT = 4096;

let certs: GeneratedCertificates;
const servers: WebhookServer[] = [];
let port: number;
let smallPort: number;
let agent: Agent;
const effects: GateEffect[] = [];
const observed: WebhookResult[] = [];

/** A logger that formats every line (so logging hostile values is exercised) and keeps none. */
const logger = pino(
  { level: "trace" },
  new Writable({
    write: (_chunk, _encoding, done) => done(),
  }),
);

function startServer(maxBodyBytes?: number): Promise<number> {
  const policies = [
    policy({ injectPreStop: true }),
    policy({ name: "keep", onTimeout: "Keep", matchLabels: { app: "sprout", keep: "1" } }),
    policy({ name: "dry", mode: "DryRun", matchLabels: { app: "other" } }),
  ];
  const webhooks = createWebhookServer({
    tls: { cert: certs.cert, key: certs.key },
    handlers: {
      "mutate-pods": createMutatePodsHandler({ listPolicies: () => policies, logger }),
      "validate-pod-deletion": createPodDeletionHandler({
        listPolicies: () => policies,
        // The cache knows the pods named sprout-*, as the fixture builds them.
        getPod: async (namespace, name) =>
          name.startsWith("sprout-") ? pod({ namespace, name, labels: { app: "sprout" } }) : undefined,
        startDrain: async (e) => void effects.push(e),
        reportDryRun: async (e) => void effects.push(e),
        breakGlassUsed: async (e) => void effects.push(e),
        routedByService: (p) => p.metadata?.name === "sprout-routed",
        now: () => new Date("2025-03-04T13:55:31Z"),
        logger,
      }),
    },
    observeLatency: ({ result }) => void observed.push(result),
    logger,
    maxBodyBytes,
  });
  servers.push(webhooks);
  return webhooks.listen(0).then((address) => address.port);
}

beforeAll(async () => {
  certs = await generateWebhookCertificates({ dnsNames: ["localhost"] });
  port = await startServer();
  smallPort = await startServer(SMALL_LIMIT);
  // One kept-alive TLS connection: a handshake per run would dominate the run time.
  agent = new Agent({ keepAlive: true, maxSockets: 1, ca: certs.caCert });
});

afterAll(async () => {
  agent?.destroy();
  await Promise.all(servers.map((s) => s.close()));
});

function post(
  path: string,
  body: string | Buffer,
  options: { port?: number; chunked?: boolean } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: options.port ?? port,
        path,
        method: "POST",
        servername: "localhost",
        agent,
        headers: {
          "content-type": "application/json",
          ...(options.chunked ? { "transfer-encoding": "chunked" } : {}),
        },
      },
      (res) => void readReply(res).then(resolve, reject),
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** What the sender put in `body`: an admission.k8s.io/v1 AdmissionReview envelope, and its usable uid. */
function sentReview(body: string | Buffer): { envelope: boolean; uid?: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return { envelope: false };
  }
  if (typeof json !== "object" || json === null) return { envelope: false };
  const { apiVersion, kind, request } = json as Record<string, unknown>;
  const envelope = apiVersion === ADMISSION_API_VERSION && kind === "AdmissionReview";
  if (typeof request !== "object" || request === null || !Object.hasOwn(request, "uid")) return { envelope };
  const uid: unknown = (request as { uid: unknown }).uid;
  return typeof uid === "string" && uid.length > 0 ? { envelope, uid } : { envelope };
}

/** A JSON error body: `{"error": "<bounded message>"}`. */
function expectErrorBody(reply: Reply): string {
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  const json: unknown = JSON.parse(reply.body);
  expect(json).toEqual({ error: expect.any(String) });
  const message = (json as { error: string }).error;
  expect(message.length).toBeLessThanOrEqual(MAX_ERROR_CHARS);
  return message;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PATCH_PATH = /^\/spec\/(readinessGates(\/-)?|containers\/\d+\/lifecycle(\/preStop)?)$/;

/** A well-formed AdmissionReview response for the request with `uid`; returns its `response`. */
function expectReviewResponse(reply: Reply, uid: string): Record<string, unknown> {
  expect(reply.status).toBe(200);
  expect(reply.headers["content-type"]).toMatch(/^application\/json/);
  const json = JSON.parse(reply.body) as Record<string, unknown>;
  expect(Object.keys(json).sort()).toEqual(["apiVersion", "kind", "response"]);
  expect(json.apiVersion).toBe(ADMISSION_API_VERSION);
  expect(json.kind).toBe("AdmissionReview");
  const response = json.response as Record<string, unknown>;
  for (const key of Object.keys(response)) {
    expect(["uid", "allowed", "status", "patchType", "patch", "warnings"]).toContain(key);
  }
  expect(response.uid).toBe(uid);
  expect(typeof response.allowed).toBe("boolean");
  expect("patch" in response).toBe("patchType" in response);
  if ("patch" in response) {
    expect(response.allowed).toBe(true);
    expect(response.patchType).toBe("JSONPatch");
    expect(response.patch).toMatch(BASE64);
    const ops: unknown = JSON.parse(Buffer.from(String(response.patch), "base64").toString("utf8"));
    expect(Array.isArray(ops) && ops.length > 0).toBe(true);
    for (const op of ops as unknown[]) {
      expect(op).toEqual({ op: "add", path: expect.stringMatching(PATCH_PATH), value: expect.anything() });
    }
  }
  expect("status" in response).toBe(response.allowed === false);
  if (response.allowed === false) {
    const status = response.status as Record<string, unknown>;
    expect(status).toEqual({
      code: expect.any(Number),
      reason: expect.any(String),
      message: expect.any(String),
      status: "Failure",
    });
    expect([403, 429]).toContain(status.code);
    expect(String(status.message).length).toBeLessThanOrEqual(MAX_STATUS_MESSAGE_CHARS);
  }
  return response;
}

describe("webhook server properties (hostile admission input)", () => {
  it("answers any body with an AdmissionReview echoing its uid or a bounded 400, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), anyBody, async (path, body) => {
        const before = observed.length;
        const reply = await post(path, body);
        expect([200, 400]).toContain(reply.status);
        const { envelope, uid } = sentReview(body);
        if (reply.status === 200) {
          expect(envelope).toBe(true);
          expect(uid).toBeDefined();
          expectReviewResponse(reply, uid ?? "");
          expect(["allowed", "patched", "denied"]).toContain(observed.at(-1));
        } else {
          const message = expectErrorBody(reply);
          // An envelope without a usable uid is refused first for its request (or its uid).
          if (envelope && uid === undefined)
            expect(message).toMatch(/AdmissionReview request: request(\.uid)?: /);
          expect(observed.at(-1)).toBe("bad-request");
        }
        expect(observed.length).toBe(before + 1);
      }),
      { numRuns: 150 },
    );
  });

  it("answers 200 to every review with a usable uid and the fields the API server always sends", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), answerableReview, async (path, value) => {
        const reply = await post(path, toBody(value));
        if (reply.status !== 200) throw new Error(`${reply.status}: ${reply.body.slice(0, 300)}`);
        const request = value.request as { uid: string; operation: string; subResource?: string };
        const response = expectReviewResponse(reply, request.uid);
        if (path === MUTATE_PODS_PATH) {
          expect(response.allowed).toBe(true);
        } else {
          expect("patch" in response).toBe(false);
          if (response.allowed === false) {
            const code = (response.status as { code: number }).code;
            expect(code).toBe(request.operation === "DELETE" ? 403 : 429);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a review without a usable uid gets a 400 naming request.uid", async () => {
    const badUids = fc.oneof(
      fc.constant(undefined),
      fc.constant(""),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), answerableReview, badUids, async (path, value, uid) => {
        const request = { ...(value.request as Record<string, unknown>), uid };
        const reply = await post(path, toBody({ ...value, request }));
        expect(reply.status).toBe(400);
        expect(expectErrorBody(reply)).toMatch(/request\.uid/);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a body over the limit with 413 and reads one up to it, declared or chunked", async () => {
    const base = JSON.stringify(review({ uid: "uid-size", object: pod() }));
    const size = fc.oneof(
      fc.integer({ min: 0, max: 3 * SMALL_LIMIT }),
      fc.constantFrom(base.length, SMALL_LIMIT - 1, SMALL_LIMIT, SMALL_LIMIT + 1),
    );
    await fc.assert(
      fc.asyncProperty(size, fc.boolean(), fc.constantFrom(...PATHS), async (n, chunked, path) => {
        // Leading whitespace pads a review to exactly n bytes; shorter than a review, spaces only.
        const body = n >= base.length ? " ".repeat(n - base.length) + base : " ".repeat(n);
        const reply = await post(path, body, { port: smallPort, chunked });
        if (n > SMALL_LIMIT) {
          expect(reply.status).toBe(413);
          expect(reply.headers.connection).toBe("close");
          expect(expectErrorBody(reply)).toContain(`larger than ${SMALL_LIMIT} bytes`);
        } else if (n >= base.length) {
          expectReviewResponse(reply, "uid-size");
        } else {
          expect(reply.status).toBe(400);
          expect(expectErrorBody(reply)).toMatch(/body is not JSON/);
        }
      }),
      { numRuns: 120 },
    );
  });

  it("keeps the default limit at the API server's 3 MiB", () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(3 * 1024 * 1024);
  });

  it("refuses a declared oversized body at once, without waiting for its bytes", async () => {
    let req: ClientRequest | undefined;
    const reply = await new Promise<Reply>((resolve, reject) => {
      req = request(
        {
          host: "127.0.0.1",
          port,
          path: VALIDATE_POD_DELETION_PATH,
          method: "POST",
          servername: "localhost",
          ca: certs.caCert,
          agent: false,
          headers: { "content-type": "application/json", "content-length": String(50 * 1024 * 1024) },
        },
        (res) => void readReply(res).then(resolve, reject),
      );
      req.on("error", reject);
      req.write("{"); // and never the rest
    });
    req?.destroy();
    expect(reply.status).toBe(413);
    expect(expectErrorBody(reply)).toContain(`larger than ${DEFAULT_MAX_BODY_BYTES} bytes`);
  });

  it("stops reading a 50 MB chunked body early: the sender gets no more than the limit plus a little in", async () => {
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const reply = await new Promise<Reply>((resolve, reject) => {
      let answered = false;
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path: MUTATE_PODS_PATH,
          method: "POST",
          servername: "localhost",
          ca: certs.caCert,
          agent: false,
          headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
        },
        (res) => {
          answered = true;
          void readReply(res).then(resolve, reject);
        },
      );
      req.on("error", (error) => {
        if (!answered) reject(error);
      });
      const pump = (): void => {
        while (written < 50 * 1024 * 1024 && !answered && !req.destroyed) {
          written += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        if (answered) req.destroy();
        else req.end();
      };
      pump();
    });
    expect(reply.status).toBe(413);
    // Socket buffers take some megabytes before back-pressure stops the sender; never the whole 50 MB.
    expect(written).toBeLessThan(20 * 1024 * 1024);
    expect(written).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES);
  });

  describe("regressions found by the properties", () => {
    it("a __proto__ key in the pod's spec smuggling readinessGates: 5 is not read (was a 500: gates.some)", async () => {
      const object = {
        metadata: { generateName: "sprout-", labels: { app: "sprout" } },
        spec: withProtoKey({ containers: [{ name: "app" }] }, { readinessGates: 5 }),
      };
      const reply = await post(MUTATE_PODS_PATH, toBody(review({ uid: "uid-proto", object })));
      const response = expectReviewResponse(reply, "uid-proto");
      expect(JSON.parse(Buffer.from(String(response.patch), "base64").toString("utf8"))).toContainEqual({
        op: "add",
        path: "/spec/readinessGates",
        value: [{ conditionType: "quiesce.dev/serving" }],
      });
    });

    it("a __proto__ key in a pod's metadata cannot lend it labels or annotations", async () => {
      const object = {
        metadata: withProtoKey({ generateName: "x-" }, { labels: { app: "sprout" } }),
        spec: { containers: [{ name: "app" }] },
      };
      const reply = await post(MUTATE_PODS_PATH, toBody(review({ uid: "uid-proto-2", object })));
      expect(expectReviewResponse(reply, "uid-proto-2")).toEqual({ uid: "uid-proto-2", allowed: true });
    });

    it("a pod name of 100 000 characters gets a denial whose message is bounded", async () => {
      effects.length = 0;
      const name = `sprout-${"n".repeat(100_000)}`;
      const reply = await post(
        VALIDATE_POD_DELETION_PATH,
        toBody(review({ uid: "uid-long", operation: "DELETE", name, oldObject: pod({ name }) })),
      );
      const response = expectReviewResponse(reply, "uid-long");
      const message = (response.status as { message: string }).message;
      expect(message.startsWith("pod is draining under QuiescePolicy telecom/sprout")).toBe(true);
      expect(message.endsWith("...")).toBe(true);
      expect(effects).toHaveLength(1);
    });

    it("a key of 100 000 characters in userInfo.extra gets a bounded 400", async () => {
      const userInfo = { username: "alice", extra: { ["k".repeat(100_000)]: "not a list" } };
      const reply = await post(MUTATE_PODS_PATH, toBody(review({ uid: "uid-extra", userInfo })));
      expect(reply.status).toBe(400);
      expect(expectErrorBody(reply)).toMatch(/^not an admission.*request\.userInfo\.extra\.k+\.\.\.: /);
    });
  });
});
