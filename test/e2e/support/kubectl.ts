// Runs the real kubectl against the e2e cluster (QUIESCE_KUBECTL, else kubectl on PATH), as a user would.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { inject } from "vitest";

export const KUBECTL = process.env.QUIESCE_KUBECTL ?? "kubectl";

/** stdout of `kubectl ARGS`; a failure names the command and carries its stderr. */
async function run(args: readonly string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(KUBECTL, args, {
      maxBuffer: 32 << 20,
      timeout: timeoutMs,
      ...(env ? { env } : {}),
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    const shown = args.filter((a, i) => a !== "--kubeconfig" && args[i - 1] !== "--kubeconfig");
    throw new Error(`kubectl ${shown.join(" ")} failed: ${e.stderr || e.message}\n${e.stdout ?? ""}`.trim());
  }
}

/** stdout of `kubectl --kubeconfig K ARGS`. */
export async function kubectl(args: readonly string[], o: { timeoutMs?: number } = {}): Promise<string> {
  return await run(["--kubeconfig", inject("kubeconfigPath"), ...args], o.timeoutMs ?? 120_000);
}

/** GET an API path (`kubectl get --raw`), e.g. a pod or Service proxy path or the API server's /metrics. */
export async function getRaw(path: string): Promise<string> {
  return await kubectl(["get", "--raw", path]);
}

/**
 * `kubectl quiesce ARGS` through kubectl's plugin discovery: kubectl-quiesce on PATH (a link to the plugin's entry
 * point, run by the project's Node 24), the cluster from KUBECONFIG (kubectl refuses flags before a plugin name).
 */
export async function kubectlQuiesce(
  args: readonly string[],
  pluginDir: string,
  timeoutMs = 300_000,
): Promise<string> {
  return await run(["quiesce", ...args], timeoutMs, {
    ...process.env,
    KUBECONFIG: inject("kubeconfigPath"),
    PATH: `${pluginDir}:${process.env.PATH ?? ""}`,
  });
}
