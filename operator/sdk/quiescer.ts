// The app-side quiesce state: serving -> quiescing -> drained (and back on resume), in-flight work, admission.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { QuiesceState, QuiesceStatus } from "../protocol/wire.ts";
import { ConnectionTracker } from "./connections.ts";
import { createEndpointHandler, type RequestHandler } from "./endpoint.ts";
import { sendError, sendJson } from "./respond.ts";
import { type Release, WorkTracker } from "./tracker.ts";

export type StateChange = {
  from: QuiesceState;
  to: QuiesceState;
  status: QuiesceStatus;
  /** The `reason` of the quiesce or resume request that caused it, when there is one. */
  reason?: string;
};
export type StateChangeListener = (change: StateChange) => void;

export type QuiescerOptions = {
  /** Bearer token required on the quiesce endpoint; without it the endpoint is open. */
  token?: string;
  /** `Retry-After` seconds on the 503 sent to new work while quiescing (default 5). */
  retryAfterSeconds?: number;
  /** Requests still served while quiescing (Clearwater's ODI-token case). Default: none. */
  allow?: (req: IncomingMessage) => boolean;
  /** Work class of an admitted request (default "sync"). */
  classify?: (req: IncomingMessage) => string;
  /** Called when a state-change listener throws (default: ignored). */
  onListenerError?: (err: unknown, change: StateChange) => void;
};

export const DEFAULT_REQUEST_CLASS = "sync";
export const DEFAULT_TRACK_CLASS = "async";

export class Quiescer {
  readonly #tracker = new WorkTracker(() => this.#update(undefined));
  readonly #connections = new ConnectionTracker();
  readonly #listeners = new Set<StateChangeListener>();
  readonly #retryAfter: string;
  readonly #allow: (req: IncomingMessage) => boolean;
  readonly #classify: (req: IncomingMessage) => string;
  readonly #onListenerError: (err: unknown, change: StateChange) => void;
  #quiescing = false;
  #state: QuiesceState = "serving";

  /** The protocol endpoint: GET status, POST quiesce, DELETE resume (node:http signature). */
  readonly endpoint: RequestHandler;

  constructor(options: QuiescerOptions = {}) {
    this.#retryAfter = String(Math.max(0, Math.round(options.retryAfterSeconds ?? 5)));
    this.#allow = options.allow ?? (() => false);
    this.#classify = options.classify ?? (() => DEFAULT_REQUEST_CLASS);
    this.#onListenerError = options.onListenerError ?? (() => {});
    this.endpoint = createEndpointHandler(this, options.token);
  }

  get state(): QuiesceState {
    return this.#state;
  }

  /** True while serving: new work is welcome. Work sources that are not HTTP (queue consumers) can poll it. */
  get accepting(): boolean {
    return !this.#quiescing;
  }

  get inFlight(): number {
    return this.#tracker.inFlight;
  }

  status(): QuiesceStatus {
    return {
      state: this.#state,
      inFlight: this.#tracker.inFlight,
      accepted: this.#tracker.accepted,
      refused: this.#tracker.refused,
      classes: this.#tracker.classes(),
    };
  }

  /** Begins quiescing (idempotent). */
  quiesce(reason?: string): QuiesceStatus {
    if (!this.#quiescing) {
      this.#quiescing = true;
      this.#connections.startClosing();
      this.#update(reason);
    }
    return this.status();
  }

  /**
   * The pod settles (out of the load balancer's endpoints, not yet quiescing): for `seconds`, still admit new work
   * but answer it with `Connection: close`, so clients that an L4 load balancer pins to this pod by a pooled
   * connection reconnect to a serving one. The operator asks with a header on GET; a later call
   * extends the release, quiesce makes it last, resume ends it.
   */
  releaseConnections(seconds: number): void {
    if (this.#quiescing || !(seconds > 0)) return;
    this.#connections.closeUntil(Date.now() + seconds * 1000);
  }

  /** True while connections are released: quiescing, or settling after the operator asked (releaseConnections). */
  get releasingConnections(): boolean {
    return this.#connections.releasing;
  }

  /** Resumes serving (idempotent); also ends a release of connections (releaseConnections). */
  resume(reason?: string): QuiesceStatus {
    if (this.#connections.releasing) this.#connections.stopClosing();
    if (this.#quiescing) {
      this.#quiescing = false;
      this.#update(reason);
    }
    return this.status();
  }

  /** Registers a listener for every state change; returns the unsubscribe function. */
  onStateChange(listener: StateChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when the state is `state` (at once if it already is). */
  waitFor(state: QuiesceState): Promise<void> {
    if (this.#state === state) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.onStateChange((change) => {
        if (change.to !== state) return;
        off();
        resolve();
      });
    });
  }

  /** Starts internal work (not counted in `accepted`); call the release when it ends. */
  begin(workClass: string = DEFAULT_TRACK_CLASS): Release {
    return this.#tracker.begin(workClass, false);
  }

  /** Starts work that arrived from outside (counted in `accepted`), e.g. a message a consumer took. */
  accept(workClass: string = DEFAULT_REQUEST_CLASS): Release {
    return this.#tracker.begin(workClass, true);
  }

  /**
   * Counts new work turned away because the app is quiescing (counted in `refused`), e.g. a message a consumer put
   * back. HTTP requests the SDK answers 503 are counted already. Rising refusals tell the operator that work still
   * arrives, and it waits for them to stop before it removes the pod.
   */
  refuse(): void {
    this.#tracker.refuse();
  }

  /** Counts `promise` in flight as `workClass` until it settles; returns the same promise. */
  track<T>(promise: Promise<T>, workClass: string = DEFAULT_TRACK_CLASS): Promise<T> {
    const release = this.begin(workClass);
    promise.then(release, release);
    return promise;
  }

  /**
   * The admission gate for one HTTP request (used by the node:http, Express and Fastify adapters).
   * Returns true when the request is admitted and tracked until its response closes; otherwise it has
   * already answered 503 with `Retry-After`.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    const closed = this.#connections.register(req, res);
    if (this.#quiescing && !this.#allow(req)) {
      this.#tracker.refuse();
      res.on("close", closed);
      sendError(res, 503, "quiescing", "the server is quiescing; retry on another instance", {
        "Retry-After": this.#retryAfter,
      });
      return false;
    }
    const release = this.accept(this.#classify(req));
    res.on("close", () => {
      release();
      closed();
    });
    return true;
  }

  /** Registers a request the SDK answers itself (endpoint, probes) so its connection is managed too. */
  observe(req: IncomingMessage, res: ServerResponse): void {
    res.on("close", this.#connections.register(req, res));
  }

  /** Liveness probe: 200 whatever the state, as long as the process answers. */
  readonly liveness: RequestHandler = (req, res) => {
    this.observe(req, res);
    sendJson(res, 200, { status: "alive", state: this.#state });
  };

  /** Readiness probe: 200 while serving, 503 while quiescing or drained. */
  readonly readiness: RequestHandler = (req, res) => {
    this.observe(req, res);
    sendJson(res, this.#quiescing ? 503 : 200, { ready: !this.#quiescing, state: this.#state });
  };

  #update(reason: string | undefined): void {
    const next: QuiesceState = !this.#quiescing
      ? "serving"
      : this.#tracker.inFlight === 0
        ? "drained"
        : "quiescing";
    if (next === this.#state) return;
    const change: StateChange = { from: this.#state, to: next, status: this.status(), reason };
    this.#state = next;
    change.status.state = next;
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.#onListenerError(err, change);
      }
    }
  }
}

export function createQuiescer(options: QuiescerOptions = {}): Quiescer {
  return new Quiescer(options);
}
