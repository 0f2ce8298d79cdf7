// Benchmark: the SDK's per-request overhead against the same bare node:http handler (not a test).
// Usage: node bench/sdk-overhead.ts [--requests 100000] [--concurrency 32] [--rounds 7]
// Each server runs alone in a child process (one core, one event loop); the load comes from this process over
// keep-alive loopback connections (raw sockets, so the client stays cheap). Prints one JSON line: rates, server
// CPU per request (median and best round), and the SDK/bare ratios.
import { type ChildProcess, fork } from "node:child_process";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { Command } from "commander";
import { z } from "zod";
import { createQuiescer, withQuiesce } from "../operator/sdk/index.ts";

type Variant = "bare" | "sdk";
type Round = {
  variant: Variant;
  requests: number;
  seconds: number;
  rps: number;
  cpuMicrosPerRequest: number;
};
const childMessageSchema = z.union([
  z.object({ kind: z.literal("listening"), port: z.number() }),
  z.object({ kind: z.literal("cpu"), micros: z.number() }),
]);
type ChildMessage = z.infer<typeof childMessageSchema>;

const payload = JSON.stringify({ ok: true, pod: "bench" });
const handler: http.RequestListener = (_req, res) => {
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
  res.end(payload);
};

/** Child mode: serve one variant; report CPU used between "start" and "stop" messages. */
function serve(variant: Variant): void {
  const listener = variant === "sdk" ? withQuiesce(createQuiescer(), handler) : handler;
  const server = http.createServer({ keepAliveTimeout: 60_000 }, listener);
  let since = process.cpuUsage();
  process.on("message", (message) => {
    if (message === "start") since = process.cpuUsage();
    if (message === "stop") {
      const used = process.cpuUsage(since);
      process.send?.({ kind: "cpu", micros: used.user + used.system } satisfies ChildMessage);
    }
    if (message === "exit") process.exit(0);
  });
  server.listen(0, "127.0.0.1", () =>
    process.send?.({
      kind: "listening",
      port: (server.address() as AddressInfo).port,
    } satisfies ChildMessage),
  );
}

function nextMessage(child: ChildProcess): Promise<ChildMessage> {
  return new Promise((resolve) => child.once("message", (m) => resolve(childMessageSchema.parse(m))));
}

async function startChild(variant: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL(import.meta.url).pathname, ["--serve", variant], { stdio: "inherit" });
  const message = await nextMessage(child);
  if (message.kind !== "listening")
    throw new Error(`bench ${variant} server: expected listening, got ${message.kind}`);
  return { child, port: message.port };
}

async function round(variant: Variant, requests: number, concurrency: number): Promise<Round> {
  const { child, port } = await startChild(variant);
  // Warm-up (JIT, connections), not measured.
  await drive(port, Math.min(requests, 10_000), concurrency);
  child.send("start");
  const started = process.hrtime.bigint();
  await drive(port, requests, concurrency);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuReply = nextMessage(child);
  child.send("stop");
  const cpu = await cpuReply;
  if (cpu.kind !== "cpu") throw new Error(`bench ${variant} server: expected cpu, got ${cpu.kind}`);
  child.send("exit");
  return { variant, requests, seconds, rps: requests / seconds, cpuMicrosPerRequest: cpu.micros / requests };
}

const REQUEST = Buffer.from("GET /work HTTP/1.1\r\nHost: bench\r\n\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * `total` requests over `concurrency` keep-alive connections, one request at a time per connection. Raw sockets
 * rather than http.Agent: the client must cost far less than the server, or the load generator is what is measured.
 */
async function drive(port: number, total: number, concurrency: number): Promise<void> {
  let issued = 0;
  const connection = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1");
      let pending = Buffer.alloc(0);
      const next = (): void => {
        if (issued >= total) {
          socket.end();
          resolve();
          return;
        }
        issued += 1;
        socket.write(REQUEST);
      };
      socket.on("connect", next);
      socket.on("error", reject);
      socket.on("data", (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        for (;;) {
          const headerEnd = pending.indexOf(HEADER_END);
          if (headerEnd === -1) return;
          const head = pending.subarray(0, headerEnd).toString("latin1");
          if (!head.startsWith("HTTP/1.1 200")) {
            reject(new Error(`bench request: ${head.split("\r\n")[0]}`));
            return;
          }
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? "0");
          const size = headerEnd + HEADER_END.length + length;
          if (pending.length < size) return;
          pending = pending.subarray(size);
          next();
        }
      });
    });
  await Promise.all(Array.from({ length: concurrency }, connection));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const flags = new Command()
    .option("--serve <variant>", "internal: run a server child")
    .option("--requests <n>", "measured requests per round", "100000")
    .option("--concurrency <n>", "concurrent keep-alive connections", "32")
    .option("--rounds <n>", "rounds per variant (alternating)", "7")
    .parse()
    .opts<{ serve?: string; requests: string; concurrency: string; rounds: string }>();
  if (flags.serve !== undefined) {
    serve(z.enum(["bare", "sdk"]).parse(flags.serve));
    return;
  }
  const options = z
    .object({
      requests: z.coerce.number().int().positive(),
      concurrency: z.coerce.number().int().positive(),
      rounds: z.coerce.number().int().positive(),
    })
    .parse(flags);
  const rounds: Round[] = [];
  for (let i = 0; i < options.rounds; i++) {
    for (const variant of ["bare", "sdk"] as const) {
      rounds.push(await round(variant, options.requests, options.concurrency));
    }
  }
  // Medians, and best-of (least CPU per request): other load on the machine only ever adds CPU time, so the best
  // round of each variant is the least disturbed one.
  const summary = (variant: Variant) => {
    const mine = rounds.filter((r) => r.variant === variant);
    const cpu = mine.map((r) => r.cpuMicrosPerRequest);
    return {
      rps: Math.round(median(mine.map((r) => r.rps))),
      cpuMicrosPerRequest: Number(median(cpu).toFixed(2)),
      bestCpuMicrosPerRequest: Number(Math.min(...cpu).toFixed(2)),
    };
  };
  const bare = summary("bare");
  const sdk = summary("sdk");
  const percent = (ratio: number): number => Number(((ratio - 1) * 100).toFixed(2));
  console.log(
    JSON.stringify({
      bench: "sdk-overhead",
      node: process.version,
      ...options,
      bare,
      sdk,
      rpsRatio: Number((sdk.rps / bare.rps).toFixed(4)),
      cpuPerRequestRatio: Number((sdk.cpuMicrosPerRequest / bare.cpuMicrosPerRequest).toFixed(4)),
      overheadPercentMedian: percent(sdk.cpuMicrosPerRequest / bare.cpuMicrosPerRequest),
      overheadPercentBest: percent(sdk.bestCpuMicrosPerRequest / bare.bestCpuMicrosPerRequest),
    }),
  );
}

await main();
