// `make bench`: the demo's three rollouts at fixed sizes, repeated; writes bench/results/latest.json.
// Env: BENCH_RUNS (default 3), BENCH_DIR (run dir, default .bench), BENCH_SDK=0 skips the SDK overhead benchmark.
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import { type Lab, startEnvironment } from "../../test/harness/environment.ts";
import {
  counterSum,
  diffBuckets,
  histogramBuckets,
  histogramQuantile,
} from "../../test/harness/report/prometheus.ts";
import { WAYS, type Way } from "../../test/scenarios/ways.ts";
import { BENCH_PROFILE } from "../demo/profile.ts";
import { deleteWay, prepareWay, runRollout } from "../demo/rollout.ts";
import { aggregateScenario, type RunMetrics, runMetrics, type ScenarioResult } from "./run-metrics.ts";
import { summaryTable } from "./summary-table.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const env = z
  .object({
    BENCH_RUNS: z.coerce.number().int().min(1).max(20).default(3),
    BENCH_DIR: z.string().default(join(REPO, ".bench")),
    BENCH_SDK: z.enum(["0", "1"]).default("1"),
  })
  .parse(process.env);
const RUN_DIR = join(env.BENCH_DIR, "run");
const WEBHOOK = "quiesce_webhook_request_duration_seconds";
const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

let lab: Lab | undefined;
process.on("SIGINT", () => {
  void (lab?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

async function sdkOverhead(): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    join(REPO, "node_modules", ".bin", "node"),
    [join(REPO, "bench", "sdk-overhead.ts"), "--requests", "50000", "--rounds", "5"],
    { cwd: REPO, maxBuffer: 1 << 22 },
  );
  const last = stdout.trim().split("\n").at(-1) ?? "{}";
  return JSON.parse(last) as unknown;
}

async function main(): Promise<void> {
  const profile = BENCH_PROFILE;
  const began = Date.now();
  lab = await startEnvironment({ dir: RUN_DIR, clean: true, nodes: 2, operator: {}, say: log });
  const perWay = new Map<Way, RunMetrics[]>(WAYS.map((w) => [w, []]));
  const opSamples = new Map<Way, { cpu: number; api: number; calls: number; buckets: [number, number][] }>();
  for (let run = 1; run <= env.BENCH_RUNS; run++) {
    for (const way of WAYS) {
      const ns = await prepareWay(lab, way, profile, `-r${run}`);
      const before = { text: await lab.operator.metrics(), usage: await lab.operator.usage() };
      const result = await runRollout(lab, way, ns, profile);
      const after = { text: await lab.operator.metrics(), usage: await lab.operator.usage() };
      await writeFile(join(env.BENCH_DIR, `run-${run}-${way}.json`), JSON.stringify(result));
      const m = runMetrics(result, profile.maxSurge);
      perWay.get(way)?.push(m);
      const acc = opSamples.get(way) ?? { cpu: 0, api: 0, calls: 0, buckets: [] };
      const delta = diffBuckets(
        histogramBuckets(after.text, WEBHOOK),
        histogramBuckets(before.text, WEBHOOK),
      );
      acc.buckets = acc.buckets.length
        ? acc.buckets.map(([le, n], i) => [le, n + (delta[i]?.[1] ?? 0)])
        : delta;
      acc.cpu += after.usage.cpuSeconds - before.usage.cpuSeconds;
      acc.api +=
        counterSum(after.text, "quiesce_api_requests_total") -
        counterSum(before.text, "quiesce_api_requests_total");
      opSamples.set(way, acc);
      log(
        `run ${run} ${way}: ${m.requests} requests (${m.longRequests} long), ${m.failed} failed (${m.longFailed} long), rollout ${m.rolloutSeconds.toFixed(1)} s, ideal ${m.idealRolloutSeconds.toFixed(1)} s`,
      );
      await deleteWay(lab, ns);
    }
  }
  const peakRssBytes = (await lab.operator.usage()).peakRssBytes;
  const scenarios: ScenarioResult[] = WAYS.map((way) => {
    const op = opSamples.get(way) ?? { cpu: 0, api: 0, calls: 0, buckets: [] };
    return aggregateScenario(way, profile.replicas, perWay.get(way) ?? [], {
      cpuSeconds: op.cpu,
      peakRssBytes,
      webhookP50: histogramQuantile(0.5, op.buckets),
      webhookP99: histogramQuantile(0.99, op.buckets),
      webhookCalls: op.buckets.at(-1)?.[1] ?? 0,
      apiRequests: op.api,
    });
  });
  await lab.stop();
  lab = undefined;
  log("SDK overhead benchmark (bench/sdk-overhead.ts)...");
  const sdk = env.BENCH_SDK === "1" ? await sdkOverhead() : null;
  const cpu = cpus();
  const result = {
    command: "make bench",
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - began) / 1000),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? "unknown",
      memoryGB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
    },
    profile,
    scenarios,
    sdkOverhead: sdk,
  };
  await mkdir(join(REPO, "bench", "results"), { recursive: true });
  await writeFile(join(REPO, "bench", "results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${summaryTable(scenarios)}\n`);
  log(`wrote bench/results/latest.json (${result.durationSeconds} s)`);
  await rm(RUN_DIR, { recursive: true, force: true });
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  await lab?.stop();
  process.exit(1);
}
