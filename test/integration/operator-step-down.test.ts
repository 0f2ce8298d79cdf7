// A leader cut off from the API server steps down in place: the process, its caches and webhooks stay, its
// controllers stop, and once the API server is back it leads again and resumes the drain in progress; with two
// replicas the other one takes over meanwhile, and after the restore exactly one leads.
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import { CoordinationV1Api, type V1Pod } from "@kubernetes/client-node";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../harness/control-plane/ports.ts";
import { startOperatorProcess as launch, type OperatorProcess } from "../harness/operator-process.ts";
import { waitFor } from "../harness/wait-for.ts";
import {
  deleteNamespaceWithoutDrains,
  deletePod,
  drainAnnotation,
  holdWork,
  podEvents,
  readPod,
} from "../scenarios/drain-steps.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import { type Apis, createApp, createPolicy, ipOf, makeApis, nameOf, uidOf } from "../scenarios/workloads.ts";
import { type ApiCutProxy, startApiCutProxy, writeProxiedKubeconfig } from "./support/api-cut-proxy.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";
import { deleteWebhookConfigurations } from "./support/operator-process.ts";

const kc = loadKubeConfig();
const apis: Apis = makeApis(kc);
const leases = kc.makeApiClient(CoordinationV1Api);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await deleteWebhookConfigurations(kc);
});

// Short lease timing: a cut-off leader steps down 3-4 s after its last renewal; a standby takes an unrenewed lease
// 4-6 s after it last saw it change.
const LEASE = ["--lease-duration-seconds=4", "--renew-deadline-seconds=3", "--retry-period-seconds=1"];
/** How long the first test's leader is cut off: well past its renew deadline and the end of the held work. */
const CUT_MS = 12_000;
/** Restore to leading again and to the drain moving again, each: retries are 1-2.2 s apart, writes ~0.1 s. */
const RECOVERY_BOUND_MS = 10_000;

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(kc, prefix);
  cleanups.push(() => deleteNamespaceWithoutDrains(apis, ns.name));
  return ns.name;
}

let launched = 0;
/** An operator process electing a leader on the Lease in `leaseNamespace`, through `kubeconfigPath`. */
async function replica(
  identity: string,
  leaseNamespace: string,
  kubeconfigPath: string,
): Promise<OperatorProcess & { webhookPort: number }> {
  const webhookPort = await freePort();
  const operator = await launch({
    kubeconfigPath,
    logFile: join(inject("clusterDir"), "logs", `step-down-${process.pid}-${++launched}-${identity}.log`),
    webhookPort,
    args: [
      "--log-level=debug",
      "--leader-elect=true",
      `--namespace=${leaseNamespace}`,
      `--identity=${identity}`,
      ...LEASE,
    ],
    readyTimeoutMs: 30_000,
  });
  cleanups.push(async () => {
    if (operator.isRunning()) await operator.stop();
  });
  return { ...operator, webhookPort };
}

/** Its leader_election_master_status (0 or 1), or undefined when /metrics does not answer. */
async function leaderMetric(operator: OperatorProcess): Promise<number | undefined> {
  const text = await operator.metrics().catch(() => undefined);
  const line = text?.split("\n").find((l) => l.startsWith("leader_election_master_status{"));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

/** The status code of GET <path> on its webhook server (HTTPS, its own certificate). */
function webhookGet(port: number, path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, path, rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on("error", () => resolve(undefined));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

async function healthGet(operator: OperatorProcess, path: string): Promise<number | undefined> {
  const res = await fetch(`http://127.0.0.1:${operator.healthPort}${path}`, {
    signal: AbortSignal.timeout(2000),
  }).catch(() => undefined);
  return res?.status;
}

async function holder(leaseNamespace: string): Promise<string | undefined> {
  const lease = await leases.readNamespacedLease({ namespace: leaseNamespace, name: "quiesce-operator" });
  return lease.spec?.holderIdentity ?? undefined;
}

async function proxyFor(): Promise<{ proxy: ApiCutProxy; kubeconfigPath: string }> {
  const proxy = await startApiCutProxy(kc);
  cleanups.push(() => proxy.close());
  const path = join(inject("clusterDir"), `step-down-${process.pid}-${proxy.port}.kubeconfig`);
  return { proxy, kubeconfigPath: writeProxiedKubeconfig(kc, proxy.port, path) };
}

const phaseOf = (pod: V1Pod | undefined) => drainAnnotation(pod, "state") ?? "Serving";

describe("a leader cut off from the API server", () => {
  it("steps down in place, keeps serving webhooks, leads again after the restore and resumes its drain", async () => {
    const leaseNs = await namespace("step-down-lease");
    const ns = await namespace("step-down");
    const { proxy, kubeconfigPath } = await proxyFor();
    const a = await replica("a", leaseNs, kubeconfigPath);
    await waitFor(async () => (await leaderMetric(a)) === 1, { timeoutMs: 20_000, what: "a leads" });

    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds: 90, settleSeconds: 1 }));
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    // Work that outlives the step-down but ends during the cut: after the restore the drain finds it drained.
    const held = await holdWork(ipOf(pod), 10_000);
    expect((await deletePod(apis, ns, nameOf(pod)))?.code).toBe(403);
    const draining = await waitFor(
      async () => {
        const p = await readPod(apis, ns, nameOf(pod));
        return phaseOf(p) === "Draining" ? p : undefined;
      },
      { timeoutMs: 15_000, what: "the drain reaching Draining" },
    );

    proxy.cut();
    const cutAt = Date.now();
    await waitFor(async () => (await leaderMetric(a)) === 0, {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: "a's leader metric 0 while cut off",
    });
    const steppedDownMs = Date.now() - cutAt;
    // Past the renew deadline and then some: still alive, ready (caches kept), webhooks answering.
    await new Promise((r) => setTimeout(r, Math.max(0, CUT_MS - (Date.now() - cutAt))));
    expect((await held.done).status).toBe(200); // the work ended during the cut
    expect(a.isRunning()).toBe(true);
    expect(await leaderMetric(a)).toBe(0);
    expect(await healthGet(a, "/readyz")).toBe(200);
    expect(await webhookGet(a.webhookPort, "/healthz")).toBe(200);
    const duringCut = await readPod(apis, ns, nameOf(pod));
    expect(phaseOf(duringCut)).toBe("Draining"); // nobody drove it meanwhile
    expect(duringCut?.metadata?.deletionTimestamp).toBeUndefined();

    proxy.restore();
    const restoredAt = Date.now();
    const [leadingAt, movedAt] = await Promise.all([
      waitFor(async () => ((await leaderMetric(a)) === 1 ? Date.now() : 0), {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: "a leading again after the restore",
      }),
      waitFor(
        async () => {
          const p = await readPod(apis, ns, nameOf(pod));
          const gone = p === undefined || p.metadata?.uid !== uidOf(pod) || !!p.metadata?.deletionTimestamp;
          return gone || phaseOf(p) !== "Draining" ? Date.now() : 0;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: "the drain moving on after the restore" },
      ),
    ]);
    const leaderAgainMs = leadingAt - restoredAt;
    const drainMovingMs = movedAt - restoredAt;
    // Resumed, not restarted: one QuiesceStarted, and it ends Drained.
    await waitFor(async () => (await podEvents(apis, ns, nameOf(pod))).some((e) => e.reason === "Drained"), {
      timeoutMs: 20_000,
      what: "a Drained Event",
    });
    const reasons = (await podEvents(apis, ns, nameOf(pod))).map((e) => e.reason);
    expect(reasons.filter((r) => r === "QuiesceStarted")).toHaveLength(1);
    expect(drainAnnotation(draining, "startedAt")).toBeDefined();
    expect(await holder(leaseNs)).toBe("a");
    const log = await readFile(a.logFile, "utf8");
    expect(log).toContain("stepping down in place");
    expect(log.match(/"msg":"controllers started"/g)).toHaveLength(2);
    console.log(
      JSON.stringify({
        stepDown: { steppedDownMs, leaderAgainMs, drainMovingMs, boundMs: RECOVERY_BOUND_MS },
      }),
    );
    expect(leaderAgainMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(drainMovingMs).toBeLessThan(RECOVERY_BOUND_MS);
    expect(a.isRunning()).toBe(true);
    a.kill("SIGTERM");
    expect(await a.exited).toBe(0);
  });

  it("with two replicas: the other takes over while the first is cut off, and after the restore one leads", async () => {
    const leaseNs = await namespace("step-down-pair");
    const { proxy, kubeconfigPath } = await proxyFor();
    const a = await replica("a", leaseNs, kubeconfigPath);
    await waitFor(async () => (await leaderMetric(a)) === 1, { timeoutMs: 20_000, what: "a leads" });
    const b = await replica("b", leaseNs, inject("kubeconfigPath"));
    expect(await leaderMetric(b)).toBe(0);

    proxy.cut();
    const cutAt = Date.now();
    await waitFor(async () => (await leaderMetric(b)) === 1 && (await holder(leaseNs)) === "b", {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: "b takes over while a is cut off",
    });
    const takeOverMs = Date.now() - cutAt;
    expect(await leaderMetric(a)).toBe(0);
    expect(a.isRunning()).toBe(true);
    expect(await webhookGet(a.webhookPort, "/healthz")).toBe(200);

    proxy.restore();
    // For a few retry periods after the restore, never two leaders (nor none): b keeps it, a stands by.
    const samples: number[] = [];
    const until = Date.now() + 6_000;
    while (Date.now() < until) {
      const [ma, mb] = await Promise.all([leaderMetric(a), leaderMetric(b)]);
      samples.push((ma ?? Number.NaN) + (mb ?? Number.NaN));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(new Set(samples)).toEqual(new Set([1]));
    expect(await leaderMetric(a)).toBe(0);
    expect(await holder(leaseNs)).toBe("b");
    console.log(JSON.stringify({ stepDownPair: { takeOverMs, samples: samples.length } }));

    // b goes (SIGTERM releases the Lease): a, back in touch, takes over.
    b.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    await waitFor(async () => (await leaderMetric(a)) === 1 && (await holder(leaseNs)) === "a", {
      timeoutMs: 10_000,
      what: "a leads once b released the Lease",
    });
    a.kill("SIGTERM");
    expect(await a.exited).toBe(0);
  });
});
