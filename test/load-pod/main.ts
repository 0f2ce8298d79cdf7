// In-cluster load for the e2e suite: a closed-loop request mix sent to a Service (ClusterIP, kube-proxy) over
// keep-alive connections, counting every failure. GET /stats: totals so far; GET /stop: stop, wait, final totals.
import { createServer } from "node:http";
import { Command } from "commander";
import { keepAliveAgent, sendGet, sendGetRetrying } from "../harness/traffic/http-sender.ts";
import { startLoad } from "../harness/traffic/load-generator.ts";
import type { RequestClass, RequestOutcome } from "../harness/traffic/outcome.ts";
import { loadPodOptionsSchema } from "./options.ts";
import { emptyTally, record } from "./tally.ts";

const program = new Command("load-pod")
  .requiredOption("--target <url>", "base URL, e.g. http://web")
  .requiredOption("--mix <entries>", "PATH:WEIGHT[:long],... e.g. /work?ms=50:8,/work?ms=3000:2:long")
  .requiredOption("--concurrency <n>", "requests in flight at all times")
  .option("--timeout-ms <ms>", "per-request timeout")
  .option("--port <port>", "control port");
program.parse();
const parsed = loadPodOptionsSchema.safeParse(program.opts());
if (!parsed.success) {
  console.error(
    `load-pod: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
  );
  process.exit(2);
}
const o = parsed.data;
const target = new URL(o.target);
const targetPort = Number(target.port || 80);
const agent = keepAliveAgent();
const tally = emptyTally();
let seq = 0;

const send = async (path: string, cls: RequestClass): Promise<RequestOutcome> => {
  const start = Date.now();
  tally.sent++;
  tally.inFlight++;
  const result = await sendGetRetrying(agent, target.hostname, targetPort, path, o.timeoutMs, 512);
  if (result.retried) tally.retriedOnClosedConnection++;
  const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
  const outcome: RequestOutcome = {
    seq: seq++,
    path,
    class: cls,
    start,
    end: Date.now(),
    ok,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(ok ? {} : { failure: result.error ?? `http-${result.status}` }),
    ...(result.body !== undefined ? { body: result.body } : {}),
  };
  record(tally, outcome);
  // A client that retries at once after a refused connection spins; real ones back off a little.
  if (!ok) await new Promise((resolve) => setTimeout(resolve, 50));
  return outcome;
};

/** A new Service is not reachable the instant it exists (kube-proxy syncs): count from the first answer on. */
async function warmUp(): Promise<void> {
  const probePath = o.mix[0]?.path ?? "/";
  for (;;) {
    const r = await sendGet(agent, target.hostname, targetPort, probePath, o.timeoutMs, 512);
    if (r.status !== undefined && r.status >= 200 && r.status < 300) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let run: ReturnType<typeof startLoad> | undefined;
let stopping: Promise<unknown> | undefined;
void warmUp().then(() => {
  run = startLoad(send, { mix: o.mix, concurrency: o.concurrency, durationMs: 24 * 3600_000 });
  console.log(`load-pod: ${o.target} answers; load started`);
});

createServer((req, res) => {
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.url === "/healthz") reply(run ? 200 : 503, { loading: run !== undefined });
  else if (req.url === "/stats") reply(200, tally);
  else if (req.url === "/stop") {
    if (!run) return reply(409, { error: "load not started: the target has not answered yet" });
    stopping ??= run.stop();
    stopping.then(() => reply(200, tally));
  } else reply(404, { error: `no route ${req.url}` });
}).listen(o.port, () =>
  console.log(`load-pod: ${o.concurrency} in flight to ${o.target}, control on :${o.port}`),
);
process.on("SIGTERM", () => process.exit(0));
