// Runs the real kubectl against the e2e cluster (QUIESCE_KUBECTL, else kubectl on PATH), as a user would.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { inject } from "vitest";

export const KUBECTL = process.env.QUIESCE_KUBECTL ?? "kubectl";

export interface KubectlOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** The program to run instead of kubectl (the plugin), with kubectl's flags. */
  program?: string;
}

/** stdout of `kubectl --kubeconfig K ARGS`; a failure names the command and carries its stderr. */
export async function kubectl(args: readonly string[], o: KubectlOptions = {}): Promise<string> {
  const all = ["--kubeconfig", inject("kubeconfigPath"), ...args];
  try {
    const { stdout } = await promisify(execFile)(o.program ?? KUBECTL, all, {
      maxBuffer: 32 << 20,
      timeout: o.timeoutMs ?? 120_000,
      ...(o.env ? { env: o.env } : {}),
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr || e.message}\n${e.stdout ?? ""}`.trim());
  }
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
  try {
    const { stdout } = await promisify(execFile)(KUBECTL, ["quiesce", ...args], {
      maxBuffer: 32 << 20,
      timeout: timeoutMs,
      env: {
        ...process.env,
        KUBECONFIG: inject("kubeconfigPath"),
        PATH: `${pluginDir}:${process.env.PATH ?? ""}`,
      },
    });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string; stdout?: string };
    throw new Error(
      `kubectl quiesce ${args.join(" ")} failed: ${e.stderr || e.message}\n${e.stdout ?? ""}`.trim(),
    );
  }
}
