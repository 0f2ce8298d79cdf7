// The sample app's work endpoints: held requests, streaming sessions, background queued jobs.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Quiescer } from "../../operator/sdk/index.ts";
import { holdQuerySchema } from "./options.ts";

export type WorkRoutes = {
  handler: RequestListener;
  /** Ends every queued job at once (for close()). */
  abandonJobs(): void;
};

export function workRoutes(q: Quiescer, podName: string): WorkRoutes {
  const jobs = new Map<number, { timer: NodeJS.Timeout; done: () => void }>();
  let nextJobId = 1;

  const handler: RequestListener = (req, res) => {
    const url = new URL(req.url ?? "/", "http://sample-app.invalid");
    const query = holdQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!query.success) {
      sendJson(res, 400, { error: "bad-query", message: query.error.issues[0]?.message ?? "invalid query" });
      return;
    }
    const { ms, intervalMs } = query.data;
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /work") holdWork(req, res, ms, podName);
    else if (route === "GET /stream") stream(res, ms, intervalMs, podName);
    else if (route === "POST /jobs") {
      const jobId = nextJobId++;
      const job = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          jobs.delete(jobId);
          resolve();
        }, ms);
        jobs.set(jobId, { timer, done: resolve });
      });
      void q.track(job, "queued");
      sendJson(res, 202, { pod: podName, jobId, ms });
    } else sendJson(res, 404, { error: "not-found", message: `no route ${route}` });
  };

  return {
    handler,
    abandonJobs: () => {
      for (const [id, job] of jobs) {
        clearTimeout(job.timer);
        jobs.delete(id);
        job.done();
      }
    },
  };
}

function holdWork(_req: IncomingMessage, res: ServerResponse, ms: number, pod: string): void {
  const timer = setTimeout(() => sendJson(res, 200, { pod, work: "done", ms }), ms);
  res.once("close", () => clearTimeout(timer));
}

/** Chunked NDJSON: one line per interval, ended after `ms`. */
function stream(res: ServerResponse, ms: number, intervalMs: number, pod: string): void {
  const started = Date.now();
  res.writeHead(200, { "Content-Type": "application/x-ndjson" });
  let tick = 0;
  res.write(`${JSON.stringify({ pod, tick: tick++ })}\n`);
  const ticker = setInterval(() => res.write(`${JSON.stringify({ pod, tick: tick++ })}\n`), intervalMs);
  const end = setTimeout(
    () => res.end(`${JSON.stringify({ pod, end: true, heldMs: Date.now() - started })}\n`),
    ms,
  );
  res.once("close", () => {
    clearInterval(ticker);
    clearTimeout(end);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
}
