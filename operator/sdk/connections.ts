// Keeps pooled clients off a quiescing or settling app: `Connection: close` on open responses, idle sockets closed.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export class ConnectionTracker {
  /**
   * Sockets that carried a request through the SDK, with their open responses (more than one only when requests
   * are pipelined). An array per socket rather than a Set of responses: hashing every response object costs more.
   */
  readonly #sockets = new Map<Socket, ServerResponse[]>();
  /** Responses that got `Connection: close` from us (so resume can take it back before headers are sent). */
  readonly #marked = new WeakSet<ServerResponse>();
  /** Until when connections are released: 0 never, Infinity while quiescing, a time while the pod settles. */
  #closeUntil = 0;

  /**
   * Registers a request the SDK sees, before its response starts. Returns the function to call once when the
   * response closes (the caller attaches it, so one listener per request serves both bookkeepings).
   */
  register(req: IncomingMessage, res: ServerResponse): () => void {
    const socket = req.socket;
    let open = this.#sockets.get(socket);
    if (open === undefined) {
      open = [];
      this.#sockets.set(socket, open);
      socket.once("close", () => this.#sockets.delete(socket));
    }
    open.push(res);
    if (this.#closing()) this.#markClose(res);
    const responses = open;
    return () => {
      const at = responses.indexOf(res);
      if (at !== -1) responses.splice(at, 1);
      if (responses.length === 0 && this.#closing()) closeIdle(socket);
    };
  }

  /** True while responses get `Connection: close` (quiescing, or a release that has not run out). */
  get releasing(): boolean {
    return this.#closing();
  }

  /** From now on every response says `Connection: close`; sockets with no open response are closed now. */
  startClosing(): void {
    this.#closeUntil = Number.POSITIVE_INFINITY;
    this.#closeAll();
  }

  /**
   * The same as startClosing, but only until `until` (epoch ms; a later call extends it): the pod settles, out of
   * the endpoints, and clients pinned to it by their pooled connections should reconnect through the load balancer.
   */
  closeUntil(until: number): void {
    if (until <= this.#closeUntil) return;
    const wasClosing = this.#closing();
    this.#closeUntil = until;
    if (!wasClosing) this.#closeAll();
  }

  /** Back to keep-alive; responses whose headers are not sent yet lose the `Connection: close` we added. */
  stopClosing(): void {
    this.#closeUntil = 0;
    for (const open of this.#sockets.values()) {
      for (const res of open) {
        if (this.#marked.has(res) && !res.headersSent) res.removeHeader("connection");
      }
    }
  }

  #closing(): boolean {
    const until = this.#closeUntil;
    return until !== 0 && (until === Number.POSITIVE_INFINITY || Date.now() < until);
  }

  #closeAll(): void {
    for (const [socket, open] of this.#sockets) {
      for (const res of open) this.#markClose(res);
      if (open.length === 0) closeIdle(socket);
    }
  }

  #markClose(res: ServerResponse): void {
    if (res.headersSent) return; // too late to tell the client; the socket is closed when the response ends
    res.setHeader("Connection", "close");
    this.#marked.add(res);
  }
}

// end() (not destroy()) so bytes still queued for the client are flushed before the FIN.
function closeIdle(socket: Socket): void {
  if (!socket.destroyed && socket.writable) socket.end();
}
