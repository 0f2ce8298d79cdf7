// Keeps pooled clients off a quiescing or settling app: `Connection: close` on responses; idle sockets closed (quiescing).
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
  #quiescing = false;
  /** Until when (epoch ms) a settling pod's responses say `Connection: close`; 0 for none. */
  #releaseUntil = 0;

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
    if (this.releasing) this.#markClose(res);
    const responses = open;
    return () => {
      const at = responses.indexOf(res);
      if (at !== -1) responses.splice(at, 1);
      if (this.#quiescing && responses.length === 0) closeIdle(socket);
    };
  }

  /** True while responses get `Connection: close` (quiescing, or a release that has not run out). */
  get releasing(): boolean {
    return this.#quiescing || this.#released();
  }

  /** From now on every response says `Connection: close`; sockets with no open response are closed now. */
  startClosing(): void {
    this.#quiescing = true;
    for (const [socket, open] of this.#sockets) {
      for (const res of open) this.#markClose(res);
      if (open.length === 0) closeIdle(socket);
    }
  }

  /**
   * Until `until` (epoch ms; a later call extends it), responses not started yet say `Connection: close`: the pod
   * settles, out of the endpoints, and clients pinned to it by their pooled connections should reconnect through
   * the load balancer. Idle sockets are left alone: closing one races with a client that is just reusing it (a
   * reset), and the pod still has traffic now; a pooled socket that is used again is closed by its answer.
   */
  closeUntil(until: number): void {
    if (until <= this.#releaseUntil) return;
    const wasReleased = this.#released();
    this.#releaseUntil = until;
    if (wasReleased || this.#quiescing) return;
    for (const open of this.#sockets.values()) for (const res of open) this.#markClose(res);
  }

  /** Back to keep-alive; responses whose headers are not sent yet lose the `Connection: close` we added. */
  stopClosing(): void {
    this.#quiescing = false;
    this.#releaseUntil = 0;
    for (const open of this.#sockets.values()) {
      for (const res of open) {
        if (this.#marked.has(res) && !res.headersSent) res.removeHeader("connection");
      }
    }
  }

  #released(): boolean {
    return this.#releaseUntil !== 0 && Date.now() < this.#releaseUntil;
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
