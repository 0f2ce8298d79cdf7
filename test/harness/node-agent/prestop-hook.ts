// Runs a container's preStop hook (httpGet, exec or sleep), bounded by the termination deadline.
import { setTimeout as delay } from "node:timers/promises";
import type { ContainerSpec, LifecycleHandler } from "./pod-model.ts";
import { httpGet } from "./probe.ts";
import type { ProcessRunner } from "./process-runner.ts";

export interface HookContext {
  container: ContainerSpec;
  podIP: string;
  env: Readonly<Record<string, string>>;
  cwd: string;
  logFile: string;
  runner: ProcessRunner;
}

/** Resolves when the hook finished or `budgetMs` ran out; returns a line describing what happened. */
export async function runPreStop(
  hook: LifecycleHandler,
  ctx: HookContext,
  budgetMs: number,
): Promise<string> {
  const budget = Math.max(0, budgetMs);
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), budget);
  try {
    if (hook.sleep) {
      const ms = Math.min(hook.sleep.seconds * 1000, budget);
      await delay(ms, undefined, { signal: timeout.signal }).catch(() => undefined);
      return `sleep ${hook.sleep.seconds}s`;
    }
    if (hook.httpGet) {
      const result = await httpGet(hook.httpGet, ctx.container, ctx.podIP, budget);
      return `httpGet ${hook.httpGet.path ?? "/"}: ${result.detail}`;
    }
    if (hook.exec?.command?.length) {
      const proc = ctx.runner.start({
        argv: hook.exec.command,
        env: ctx.env,
        cwd: ctx.cwd,
        logFile: ctx.logFile,
        banner: `preStop exec for ${ctx.container.name}`,
      });
      const killOnTimeout = () => proc.signal("SIGKILL");
      timeout.signal.addEventListener("abort", killOnTimeout, { once: true });
      const exit = await proc.exited;
      timeout.signal.removeEventListener("abort", killOnTimeout);
      return `exec exited ${exit.exitCode}`;
    }
    return "no action";
  } finally {
    clearTimeout(timer);
  }
}
