// Tokens never leak: drains with a tokenSecretRef (one accepted, one refused with 401) leave the token in neither
// the operator's log output (its production logger, at debug level) nor the namespace's Events.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOperator } from "../../operator/app/start-operator.ts";
import { createLogger } from "../../operator/observability/logger.ts";
import {
  deleteNamespaceWithoutDrains,
  deletePod,
  waitForEvent,
  waitPodRemoved,
} from "../scenarios/drain-steps.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, makeApis, nameOf } from "../scenarios/workloads.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";
import { startTestOperator } from "./support/operator.ts";

const kc = loadKubeConfig();
const apis = makeApis(kc);
const GOOD = "tok-7f3a9c-GOOD-quiesce-hygiene-5d1e";
const WRONG = "tok-b42e81-WRONG-quiesce-hygiene-90aa";
let logged = "";
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logged += chunk.toString("utf8");
    done();
  },
});
let operator: RunningOperator | undefined;
let ns = "";

beforeAll(async () => {
  operator = await startTestOperator(kc, {}, createLogger("debug", "quiesce-operator", capture));
  ns = (await createNamespace(kc, "tokens")).name;
});
afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespaceWithoutDrains(apis, ns);
});

async function secret(name: string, token: string): Promise<void> {
  await apis.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name, namespace: ns }, stringData: { token } },
  });
}

async function tokenApp(app: string, secretName: string, tokenFile: string): Promise<V1Pod> {
  await createPolicy(apis, app, ns, {
    ...samplePolicySpec(app, { timeoutSeconds: 8, settleSeconds: 1 }),
    endpoint: { port: "http", path: "/quiesce", tokenSecretRef: { name: secretName, key: "token" } },
  });
  const [pod] = await createApp(apis, {
    name: app,
    namespace: ns,
    replicas: 2,
    grace: 2,
    args: ["--token-file", tokenFile],
  });
  if (!pod) throw new Error(`no ${app} pod`);
  return pod;
}

describe("token hygiene", () => {
  it("the quiesce token appears in no log line and no Event, whether the pod accepts it or answers 401", async () => {
    const tokenFile = join(await mkdtemp(join(tmpdir(), "quiesce-token-")), "token");
    await writeFile(tokenFile, GOOD);
    await secret("good-token", GOOD);
    await secret("wrong-token", WRONG);
    // The app expects GOOD; "web" is sent GOOD (accepted), "other" is sent WRONG (401).
    const first = await tokenApp("web", "good-token", tokenFile);
    const second = await tokenApp("other", "wrong-token", tokenFile);

    expect((await deletePod(apis, ns, nameOf(first)))?.code).toBe(403);
    expect((await deletePod(apis, ns, nameOf(second)))?.code).toBe(403);
    await waitPodRemoved(apis, ns, nameOf(first), first.metadata?.uid ?? "", 30_000);
    await waitForEvent(apis, ns, nameOf(first), "Drained", 10_000);
    await waitPodRemoved(apis, ns, nameOf(second), second.metadata?.uid ?? "", 40_000);
    const refused = await waitForEvent(apis, ns, nameOf(second), "EndpointError", 10_000);
    expect(JSON.stringify(refused)).toContain("401");

    const events = (await apis.core.listNamespacedEvent({ namespace: ns })).items;
    const eventText = JSON.stringify(events);
    expect(logged.length).toBeGreaterThan(0);
    expect(logged).toContain(nameOf(first)); // the capture saw this drain's lines
    for (const token of [GOOD, WRONG]) {
      expect(logged).not.toContain(token);
      expect(eventText).not.toContain(token);
    }
    expect(events.map((e) => e.reason)).toContain("QuiesceStarted");
  });
});
