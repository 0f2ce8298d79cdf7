// Follows a Service's EndpointSlices through a watch and applies each change after a propagation delay (kube-proxy).
import { DiscoveryV1Api, type KubeConfig, makeInformer, type V1EndpointSlice } from "@kubernetes/client-node";
import { readyAddresses } from "./ready-endpoints.ts";

export interface EndpointFollowerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  service: string;
  /** How long a slice change takes to reach this client (default 1000 ms). */
  propagationDelayMs?: number;
  onError?: (error: unknown) => void;
}

export interface EndpointChange {
  /** When the slice change was observed and when it took effect (epoch ms). */
  observedAt: number;
  appliedAt: number;
  endpoints: readonly string[];
}

export class EndpointFollower {
  readonly #o: EndpointFollowerOptions;
  readonly #delayMs: number;
  #current: readonly string[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #listeners = new Set<(change: EndpointChange) => void>();
  readonly history: EndpointChange[] = [];
  #stopped = false;
  readonly #informer;

  constructor(options: EndpointFollowerOptions) {
    this.#o = options;
    this.#delayMs = options.propagationDelayMs ?? 1000;
    const discovery = options.kubeConfig.makeApiClient(DiscoveryV1Api);
    const labelSelector = `kubernetes.io/service-name=${options.service}`;
    this.#informer = makeInformer<V1EndpointSlice>(
      options.kubeConfig,
      `/apis/discovery.k8s.io/v1/namespaces/${options.namespace}/endpointslices`,
      () => discovery.listNamespacedEndpointSlice({ namespace: options.namespace, labelSelector }),
      labelSelector,
    );
  }

  /** Lists the slices and takes the initial set at once; later changes arrive after the delay. */
  async start(): Promise<void> {
    const schedule = () => this.#schedule();
    this.#informer.on("add", schedule);
    this.#informer.on("update", schedule);
    this.#informer.on("delete", schedule);
    this.#informer.on("error", (error: unknown) => {
      if (this.#stopped) return;
      this.#o.onError?.(error);
      setTimeout(() => {
        if (!this.#stopped) void this.#informer.start();
      }, 1000);
    });
    await this.#informer.start();
    this.#cancelTimers();
    const now = Date.now();
    this.#apply({ observedAt: now, appliedAt: now, endpoints: this.#snapshot() });
  }

  endpoints(): readonly string[] {
    return this.#current;
  }

  onChange(listener: (change: EndpointChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelTimers();
    await this.#informer.stop();
  }

  #snapshot(): string[] {
    return readyAddresses(this.#informer.list(this.#o.namespace));
  }

  #schedule(): void {
    if (this.#stopped) return;
    const observedAt = Date.now();
    const endpoints = this.#snapshot();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#apply({ observedAt, appliedAt: Date.now(), endpoints });
    }, this.#delayMs);
    this.#timers.add(timer);
  }

  #apply(change: EndpointChange): void {
    const same =
      change.endpoints.length === this.#current.length &&
      change.endpoints.every((e, i) => e === this.#current[i]);
    if (same) return;
    this.#current = change.endpoints;
    this.history.push(change);
    for (const listener of this.#listeners) listener(change);
  }

  #cancelTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
