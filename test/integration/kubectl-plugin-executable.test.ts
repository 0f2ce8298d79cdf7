// The single executable (hack/build-plugin.ts) as kubectl's plugin: only it and kubectl on PATH, no Node, no checkout.
import { execFile, execFileSync } from "node:child_process";
import { accessSync, constants, realpathSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningOperator } from "../../operator/app/start-operator.ts";
import { samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, makeApis } from "../scenarios/workloads.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";
import { startTestOperator } from "./support/operator.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE = join(ROOT, "node_modules", ".bin", "node");
// Outside dist/ (make build empties it): reused across runs while no input changed (the build's stamp).
const CACHE = join(
  process.env.QUIESCE_CACHE ?? join(homedir(), ".cache", "quiesce-operator"),
  "kubectl-quiesce",
);
const run = promisify(execFile);

const kc = loadKubeConfig();
const apis = makeApis(kc);
const cleanups: (() => Promise<void>)[] = [];
let operator: RunningOperator;
let bin: string;

/** The real kubectl: QUIESCE_KUBECTL, else the one `make integration` builds (hack/kubectl.sh, the cluster's version). */
function findKubectl(): string {
  const kubectl =
    process.env.QUIESCE_KUBECTL ??
    execFileSync("bash", [join(ROOT, "hack", "kubectl.sh")], { encoding: "utf8" }).trim();
  accessSync(kubectl, constants.X_OK);
  return realpathSync(kubectl);
}

/** `kubectl ARGS` with PATH holding only kubectl and kubectl-quiesce, and no Node variables. */
async function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: bin, HOME: bin, KUBECONFIG: inject("kubeconfigPath") };
  try {
    const { stdout, stderr } = await run("kubectl", args, { env, timeout: 150_000, cwd: tmpdir() });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as Error & { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw error;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

beforeAll(async () => {
  // Up to date: well under a second; a cold build ~25 s on 2 cores.
  await run(NODE, [join(ROOT, "hack", "build-plugin.ts"), "--executable-only", "--out", CACHE], {
    cwd: ROOT,
    timeout: 170_000,
  });
  bin = await mkdtemp(join(tmpdir(), "plugin-path-"));
  await symlink(join(CACHE, "kubectl-quiesce"), join(bin, "kubectl-quiesce"));
  await symlink(join(CACHE, "kubectl-quiesce"), join(bin, "kubectl_complete-quiesce"));
  await symlink(findKubectl(), join(bin, "kubectl"));
  operator = await startTestOperator(kc);
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await operator?.stop();
  if (bin) await rm(bin, { recursive: true, force: true });
});

describe("kubectl quiesce, the single executable", () => {
  it("reports its version and the Node built into it, as text and JSON", async () => {
    const text = await kubectl(["quiesce", "version"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^Plugin Version: v\d+\.\d+\.\d+\S*\nNode Version: v24\.\d+\.\d+ \(linux\/x64, single executable\)\n$/,
    );
    const json = await kubectl(["quiesce", "version", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ nodeVersion: "v24.21.0", singleExecutable: true });
    const completion = await kubectl(["__complete", "quiesce", "rollout", ""]);
    expect(completion.stdout.split("\n").map((l) => l.split("\t")[0])).toEqual(
      expect.arrayContaining(["restart", "status", ":4"]),
    );
  });

  it("status -A and rollout status against the control plane", async () => {
    const ns = await createNamespace(kc, "plugin-exe");
    cleanups.push(ns.cleanup);
    await createPolicy(
      apis,
      "web",
      ns.name,
      samplePolicySpec("web", { settleSeconds: 1, timeoutSeconds: 60 }),
    );
    await createApp(apis, { name: "web", namespace: ns.name, replicas: 2, grace: 5 });

    const all = await kubectl(["quiesce", "status", "-A"]);
    expect(all.stderr).toBe("");
    expect(all.code).toBe(0);
    const lines = all.stdout.split("\n");
    expect(lines[0]).toMatch(/^NAMESPACE\s+POD\s+POLICY\s+STATE\s+READY/);
    const ours = lines.filter((l) => l.startsWith(`${ns.name} `));
    expect(ours).toHaveLength(2);
    for (const l of ours) expect(l).toMatch(new RegExp(`^${ns.name}\\s+web-\\S+\\s+web\\s+Serving\\s+True`));

    const restart = await kubectl([
      "quiesce",
      "rollout",
      "restart",
      "deployment/web",
      "-n",
      ns.name,
      "--no-follow",
    ]);
    expect(restart).toMatchObject({ code: 0, stdout: "deployment.apps/web restarted\n" });
    const status = await kubectl([
      "quiesce",
      "rollout",
      "status",
      "deployment/web",
      "-n",
      ns.name,
      "--timeout",
      "120s",
    ]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/deployment\/web \[#{20}\] drains 2\/2 done \(2 drained, 0 timed out\)/);
    expect(status.stdout).toMatch(
      /deployment "web" successfully rolled out in \S+: 2 old pods removed, 2 drained, 0 timed out/,
    );
  });
});
