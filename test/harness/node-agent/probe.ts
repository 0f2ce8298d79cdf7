// httpGet probes against the pod IP, and the pure consecutive-success/failure threshold tracker.
import { request } from "node:http";
import type { ContainerSpec, HttpGetAction, Probe } from "./pod-model.ts";

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Kubernetes defaults: period 10 s, timeout 1 s, success 1, failure 3. */
export function probeTiming(probe: Probe): ProbeTiming {
  return {
    initialDelayMs: (probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: (probe.periodSeconds ?? 10) * 1000,
    timeoutMs: (probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: probe.successThreshold ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** Flips only after `successThreshold` consecutive successes or `failureThreshold` consecutive failures. */
export class ThresholdTracker {
  #result: boolean;
  #streak = 0;
  #streakKind: boolean | undefined;
  readonly #timing: Pick<ProbeTiming, "successThreshold" | "failureThreshold">;

  constructor(initial: boolean, timing: Pick<ProbeTiming, "successThreshold" | "failureThreshold">) {
    this.#result = initial;
    this.#timing = timing;
  }

  get result(): boolean {
    return this.#result;
  }

  /** Records one probe outcome and returns the (possibly flipped) result. */
  observe(success: boolean): boolean {
    this.#streak = this.#streakKind === success ? this.#streak + 1 : 1;
    this.#streakKind = success;
    if (success && this.#streak >= this.#timing.successThreshold) this.#result = true;
    if (!success && this.#streak >= this.#timing.failureThreshold) this.#result = false;
    return this.#result;
  }
}

export function resolvePort(port: number | string, container: ContainerSpec): number {
  if (typeof port === "number") return port;
  const numeric = Number.parseInt(port, 10);
  if (String(numeric) === port) return numeric;
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`container ${container.name} has no port named "${port}"`);
  return named.containerPort;
}

/** One HTTP GET; success is a status in [200, 400), like the kubelet. */
export function httpGet(
  action: HttpGetAction,
  container: ContainerSpec,
  podIP: string,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string }> {
  let port: number;
  try {
    port = resolvePort(action.port, container);
  } catch (error) {
    return Promise.resolve({ ok: false, detail: (error as Error).message });
  }
  const host = action.host ?? podIP;
  const headers: Record<string, string> = { "user-agent": "kube-probe/1.34", connection: "close" };
  for (const h of action.httpHeaders ?? []) headers[h.name.toLowerCase()] = h.value;
  return new Promise((resolve) => {
    const req = request(
      { host, port, path: action.path ?? "/", method: "GET", headers, timeout: timeoutMs },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ ok: status >= 200 && status < 400, detail: `HTTP ${status}` });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ ok: false, detail: error.message }));
    req.end();
  });
}
