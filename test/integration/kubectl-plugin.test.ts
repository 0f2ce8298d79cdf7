// kubectl-quiesce against a live operator and rollout on the real control plane: every command, output asserted.
import { spawn } from "node:child_process";
import { request } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningOperator } from "../../operator/app/start-operator.ts";
import { waitFor } from "../harness/wait-for.ts";
import { APP_PORT, samplePolicySpec } from "../scenarios/manifests.ts";
import { createStatefulSetApp } from "../scenarios/workload-kinds.ts";
import { createApp, createPolicy, listPods, makeApis } from "../scenarios/workloads.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";
import { startTestOperator } from "./support/operator.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
// Node 24 from node_modules runs the .ts entry point directly, as a user's `kubectl quiesce` would.
const NODE = join(ROOT, "node_modules", ".bin", "node");
const PLUGIN = join(ROOT, "operator", "cli", "kubectl-quiesce.ts");

const kc = loadKubeConfig();
const apis = makeApis(kc);
const cleanups: (() => Promise<void>)[] = [];
let operator: RunningOperator;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the plugin as a child process; `done` resolves when it exits. */
function plugin(args: string[]): { done: Promise<Run>; stdout: () => string } {
  const child = spawn(NODE, [PLUGIN, "--kubeconfig", inject("kubeconfigPath"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const done = new Promise<Run>((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
  return { done, stdout: () => stdout };
}

const runPlugin = (args: string[]) => plugin(args).done;

/** Holds `ms` of work open on a pod (the sample app counts it in flight); errors (pod gone) are ignored. */
function holdWork(podIP: string, ms: number): void {
  const req = request({ host: podIP, port: APP_PORT, path: `/work?ms=${ms}`, timeout: ms + 30_000 }, (res) =>
    res.resume(),
  );
  req.on("error", () => undefined);
  req.on("timeout", () => req.destroy());
  req.end();
}

interface StatusItem {
  namespace: string;
  pod: string;
  policy?: string;
  state: string;
  ready: boolean;
  inFlight?: number;
  secondsInState?: number;
  secondsToDeadline?: number;
}

async function statusJson(ns: string, target?: string): Promise<StatusItem[]> {
  const r = await runPlugin(["status", ...(target ? [target] : []), "-n", ns, "-o", "json"]);
  if (r.code !== 0) throw new Error(`status failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { items: StatusItem[] }).items;
}

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(kc, prefix);
  cleanups.push(ns.cleanup);
  return ns.name;
}

beforeAll(async () => {
  operator = await startTestOperator(kc);
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await operator?.stop();
});

describe("kubectl quiesce", () => {
  it("status lists selected pods as a table, as JSON and YAML, by policy and by deployment; errors name the object", async () => {
    const ns = await namespace("plugin-status");
    await createPolicy(apis, "web", ns, samplePolicySpec("web"));
    await createApp(apis, { name: "web", namespace: ns, replicas: 2 });
    await createApp(apis, { name: "other", namespace: ns, replicas: 1 });

    const table = await runPlugin(["status", "-n", ns]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^POD\s+POLICY\s+STATE\s+READY\s+IN-FLIGHT\s+IN-STATE\s+ETA\s+DETAIL$/);
    expect(lines).toHaveLength(3); // the unselected "other" pod is not listed
    for (const line of lines.slice(1))
      expect(line).toMatch(/^web-\S+\s+web\s+Serving\s+True\s+-\s+\d+s\s+-$/);

    const byPolicy = await runPlugin(["status", "web", "-n", ns]);
    expect(byPolicy.stdout.split("\n")[0]).toMatch(
      /^quiescepolicy\/web \(Enforce, timeout 2m00s\): \d+ matched/,
    );

    const items = await statusJson(ns, "deployment/other");
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ namespace: ns, state: "Serving", ready: true });
    expect(items[0]?.policy).toBeUndefined();

    const yaml = await runPlugin(["status", "-n", ns, "-o", "yaml"]);
    expect(yaml.stdout).toMatch(/^apiVersion: v1\nkind: List\nitems:\n {2}- namespace: /);

    const all = await runPlugin(["status", "-A"]);
    expect(all.stdout.split("\n")[0]).toMatch(/^NAMESPACE\s+POD\s+POLICY/);
    expect(all.stdout).toContain(ns);

    const missing = await runPlugin(["status", "nope", "-n", ns]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`error: quiescepolicy "nope" not found in namespace ${ns}`);
    const badType = await runPlugin(["rollout", "status", "job/x", "-n", ns]);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toContain('unsupported resource type "job"');
    const absent = await runPlugin(["rollout", "status", "statefulset/x", "-n", ns]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`reading statefulset ${ns}/x`);
  });

  it("rollout restart follows the drains with a progress bar; status shows the draining pod with in-flight work and ETA", async () => {
    const ns = await namespace("plugin-rollout");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const pods = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 5 });
    for (const p of pods) for (let i = 0; i < 3; i++) holdWork(p.status?.podIP ?? "", 15_000);

    const rollout = plugin(["rollout", "restart", "deployment/web", "-n", ns, "--interval", "250ms"]);
    // While it runs, `status` shows a pod being drained: its in-flight work and the time left before its deadline.
    const draining = await waitFor(
      async () =>
        (await statusJson(ns)).find(
          (i) => ["Quiescing", "Draining"].includes(i.state) && (i.inFlight ?? 0) > 0,
        ),
      { timeoutMs: 60_000, what: "a pod reported Draining with work in flight", intervalMs: 200 },
    );
    expect(draining.secondsToDeadline).toBeGreaterThan(0);
    expect(draining.secondsToDeadline).toBeLessThanOrEqual(60);
    expect(draining.ready).toBe(false);

    const r = await rollout.done;
    expect(r.stderr).toContain("deployment.apps/web restarted; following the rollout");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/deployment\/web \[-{20}\] drains 0\/2 done/);
    expect(r.stdout).toMatch(/draining: web-\S+ (Settling|Quiescing|Draining)/);
    expect(r.stdout).toMatch(/deployment\/web \[#{20}\] drains 2\/2 done \(2 drained, 0 timed out\)/);
    expect(r.stdout).toMatch(
      /deployment "web" successfully rolled out in \S+: 2 old pods removed, 2 drained, 0 timed out/,
    );
    const after = await listPods(apis, ns, "web");
    expect(after.map((p) => p.metadata?.name).some((n) => pods.some((b) => b.metadata?.name === n))).toBe(
      false,
    );

    // `rollout status` on a finished rollout returns at once; with -o json it prints the summary.
    const status = await runPlugin(["rollout", "status", "deploy/web", "-n", ns, "-o", "json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      deployment: "web",
      kind: "deployment",
      name: "web",
      namespace: ns,
      complete: true,
    });
  });

  it("rollout status exits non-zero when a drain timed out, naming the pod", async () => {
    const ns = await namespace("plugin-timeout");
    await createPolicy(apis, "slow", ns, samplePolicySpec("slow", { settleSeconds: 1, timeoutSeconds: 4 }));
    const pods = await createApp(apis, { name: "slow", namespace: ns, replicas: 1, grace: 2 });
    const old = pods[0]?.metadata?.name ?? "";
    holdWork(pods[0]?.status?.podIP ?? "", 120_000);
    await waitFor(async () => (await statusJson(ns))[0]?.state === "Serving", {
      timeoutMs: 10_000,
      what: "the pod serving",
    });
    const restart = await runPlugin(["rollout", "restart", "deployment/slow", "-n", ns, "--no-follow"]);
    expect(restart).toMatchObject({ code: 0, stdout: "deployment.apps/slow restarted\n" });

    const r = await runPlugin([
      "rollout",
      "status",
      "deployment/slow",
      "-n",
      ns,
      "--interval",
      "250ms",
      "--timeout",
      "90s",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/drains 1\/1 done \(0 drained, 1 timed out\)/);
    expect(r.stderr).toContain(`error: 1 drain(s) timed out in the rollout of deployment/slow: ${old}`);
  });

  it("maintenance mode: quiesce takes every pod out of the endpoints without deleting it; unquiesce brings them back", async () => {
    const ns = await namespace("plugin-maint");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 2, timeoutSeconds: 60 }));
    const before = await createApp(apis, { name: "web", namespace: ns, replicas: 2 });
    const names = before.map((p) => p.metadata?.name).sort();

    const q = await runPlugin([
      "quiesce",
      "deployment/web",
      "-n",
      ns,
      "--reason",
      "db migration",
      "--wait",
      "--timeout",
      "60s",
    ]);
    expect(q.stderr).toBe("");
    expect(q.code).toBe(0);
    expect(q.stdout).toContain("maintenance requested by admin: db migration");
    expect(q.stdout).toContain("deployment/web quiesced");
    const deployment = await apis.apps.readNamespacedDeployment({ name: "web", namespace: ns });
    const recorded = JSON.parse(deployment.metadata?.annotations?.["quiesce.dev/maintenance"] ?? "{}");
    expect(recorded).toMatchObject({ by: "admin", reason: "db migration" });
    const held = await listPods(apis, ns, "web");
    // The same pods, none deleted, all NotReady and quiesced by their apps.
    expect(held.map((p) => p.metadata?.name).sort()).toEqual(names);
    for (const pod of held) {
      expect(pod.metadata?.deletionTimestamp).toBeUndefined();
      expect(pod.metadata?.annotations?.["quiesce.dev/reason"]).toBe("maintenance");
      expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    }

    const u = await runPlugin(["unquiesce", "deployment/web", "-n", ns, "--wait", "--timeout", "60s"]);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain("maintenance lifted (was requested by admin: db migration)");
    expect(u.stdout).toContain("deployment/web unquiesced");
    await waitFor(
      async () => {
        const pods = await listPods(apis, ns, "web");
        return (
          pods.length === 2 &&
          pods.every((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
        );
      },
      { timeoutMs: 30_000, what: "both pods Ready again" },
    );
    expect((await listPods(apis, ns, "web")).map((p) => p.metadata?.name).sort()).toEqual(names);
    const w = await runPlugin(["wait", "deployment/web", "-n", ns, "--for", "unquiesced", "--timeout", "5s"]);
    expect(w.code).toBe(0);
  });

  it("a StatefulSet: maintenance mode, status and a followed rollout restart by TYPE/NAME", async () => {
    const ns = await namespace("plugin-sts");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { settleSeconds: 1, timeoutSeconds: 60 }));
    const before = await createStatefulSetApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 5 });
    const uids = before.map((p) => p.metadata?.uid).sort();

    const q = await runPlugin([
      "quiesce",
      "sts/web",
      "-n",
      ns,
      "--reason",
      "reindex",
      "--wait",
      "--timeout",
      "60s",
    ]);
    expect(q.stderr).toBe("");
    expect(q.code).toBe(0);
    expect(q.stdout).toContain("statefulset/web quiesced");
    const held = await listPods(apis, ns, "web");
    expect(held.map((p) => p.metadata?.uid).sort()).toEqual(uids);
    for (const pod of held) {
      expect(pod.metadata?.annotations?.["quiesce.dev/reason"]).toBe("maintenance");
      expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    }
    const st = await runPlugin(["status", "statefulset/web", "-n", ns]);
    expect(st.code).toBe(0);
    expect(st.stdout.split("\n").filter((l) => /^web-\d\s+web\s+Drained\s+False/.test(l))).toHaveLength(2);

    const u = await runPlugin(["unquiesce", "statefulset/web", "-n", ns, "--wait", "--timeout", "60s"]);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain("statefulset/web unquiesced");

    const r = await runPlugin(["rollout", "restart", "statefulset/web", "-n", ns, "--timeout", "120s"]);
    expect(r.stderr).toContain("statefulset.apps/web restarted; following the rollout");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /statefulset "web" successfully rolled out in .*: 2 old pods removed, 2 drained, 0 timed out/,
    );
    const after = await listPods(apis, ns, "web");
    expect(after.some((p) => uids.includes(p.metadata?.uid))).toBe(false);
  });
});
