// Builds a container process's environment the way the kubelet does, plus the harness's POD_* variables and PATH.
import { delimiter, join } from "node:path";
import type { ContainerSpec, PodModel } from "./pod-model.ts";

export interface EnvContext {
  pod: PodModel;
  container: ContainerSpec;
  podIP: string;
  hostIP: string;
  repoRoot: string;
  /** The agent's own PATH; the repo's node_modules/.bin goes first so `node` is the pinned Node. */
  basePath: string | undefined;
}

export function containerEnv(ctx: EnvContext): Record<string, string> {
  const { pod, container, podIP } = ctx;
  const binDir = join(ctx.repoRoot, "node_modules", ".bin");
  const env: Record<string, string> = {
    PATH: [binDir, ...(ctx.basePath ? [ctx.basePath] : [])].join(delimiter),
    HOME: process.env.HOME ?? "/tmp",
    HOSTNAME: pod.metadata.name,
    POD_NAME: pod.metadata.name,
    POD_NAMESPACE: pod.metadata.namespace,
    POD_IP: podIP,
  };
  for (const v of container.env ?? []) {
    if (v.value !== undefined) {
      env[v.name] = expandReferences(v.value, env);
      continue;
    }
    const fieldPath = v.valueFrom?.fieldRef?.fieldPath;
    if (fieldPath) {
      const value = fieldValue(fieldPath, ctx);
      if (value === undefined) throw new Error(`unsupported fieldRef ${fieldPath} in env ${v.name}`);
      env[v.name] = value;
      continue;
    }
    if (v.valueFrom) throw new Error(`unsupported valueFrom in env ${v.name} (only fieldRef is implemented)`);
    env[v.name] = "";
  }
  return env;
}

function fieldValue(fieldPath: string, ctx: EnvContext): string | undefined {
  switch (fieldPath) {
    case "metadata.name":
      return ctx.pod.metadata.name;
    case "metadata.namespace":
      return ctx.pod.metadata.namespace;
    case "metadata.uid":
      return ctx.pod.metadata.uid;
    case "status.podIP":
    case "status.podIPs":
      return ctx.podIP;
    case "status.hostIP":
    case "status.hostIPs":
      return ctx.hostIP;
    case "spec.nodeName":
      return ctx.pod.spec.nodeName;
  }
  const label = /^metadata\.labels\['(.+)'\]$/.exec(fieldPath);
  if (label?.[1] !== undefined) return ctx.pod.metadata.labels?.[label[1]] ?? "";
  return undefined;
}

/** `$(VAR)` refers to an earlier variable, `$$(VAR)` escapes it (Kubernetes dependent environment variables). */
export function expandReferences(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && env[name] !== undefined ? env[name] : match;
  });
}

/** The argv the kubelet would run; command and args also get `$(VAR)` expansion. */
export function containerArgv(container: ContainerSpec, env: Readonly<Record<string, string>>): string[] {
  const argv = [...(container.command ?? []), ...(container.args ?? [])].map((a) => expandReferences(a, env));
  if (argv.length === 0) {
    throw new Error(
      `container ${container.name} has no command: the node agent cannot run image entrypoints`,
    );
  }
  return argv;
}
