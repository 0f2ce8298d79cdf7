// `make bench`: each scenario's rollout three ways (naive, prestop-sleep, operator), and the scale-in scenario's 8 -> 4
// (naive, operator, operator with scaleIn.preferIdle), repeated; writes bench/results/latest.json.
// Env: BENCH_SCENARIOS (comma list, default all), BENCH_RUNS (base scenario, default 3), BENCH_SCENARIO_RUNS
// (the others, default 1), BENCH_DIR (run dir, default .bench), BENCH_SDK=0 skips the SDK overhead benchmark,
// BENCH_RESULT (file in bench/results, default latest.json).
import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { cpus, release, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import { type Lab, startEnvironment } from "../../test/harness/environment.ts";
import { BENCH_SCENARIOS } from "../../test/harness/report/bench-entries.ts";
import { BENCH_PROFILE } from "../demo/profile.ts";
import { type Entry, entryResult, runScenario } from "./run-scenario.ts";
import { SCENARIO_SETUPS } from "./scenarios.ts";
import { summaryTable } from "./summary-table.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const env = z
  .object({
    BENCH_RUNS: z.coerce.number().int().min(1).max(20).default(3),
    BENCH_SCENARIO_RUNS: z.coerce.number().int().min(1).max(20).default(1),
    BENCH_SCENARIOS: z
      .string()
      .default(BENCH_SCENARIOS.join(","))
      .transform((list) => [...new Set(list.split(",").map((x) => x.trim()))].filter((x) => x !== ""))
      .pipe(z.array(z.enum(BENCH_SCENARIOS)).min(1)),
    BENCH_DIR: z.string().default(join(REPO, ".bench")),
    BENCH_SDK: z.enum(["0", "1"]).default("1"),
    /** The result file in bench/results/: a run of some scenarios keeps the full run's latest.json. */
    BENCH_RESULT: z
      .string()
      .regex(/^[\w.-]+\.json$/, "BENCH_RESULT is a file name ending in .json")
      .default("latest.json"),
  })
  .parse(process.env);
const RUN_DIR = join(env.BENCH_DIR, "run");
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
  const began = Date.now();
  lab = await startEnvironment({ dir: RUN_DIR, clean: true, nodes: 2, operator: {}, say: log });
  const entries: Entry[] = [];
  const scenarioSeconds: Record<string, number> = {};
  for (const scenario of env.BENCH_SCENARIOS) {
    const scenarioBegan = Date.now();
    log(`scenario ${scenario}...`);
    const runs = scenario === "base" ? env.BENCH_RUNS : env.BENCH_SCENARIO_RUNS;
    entries.push(...(await runScenario(lab, scenario, { runs, dir: env.BENCH_DIR, log })));
    scenarioSeconds[scenario] = Math.round((Date.now() - scenarioBegan) / 1000);
    log(`scenario ${scenario} took ${scenarioSeconds[scenario]} s`);
  }
  const peakRssBytes = (await lab.operator.usage()).peakRssBytes;
  const scenarios = entries.map((e) => entryResult(e, peakRssBytes));
  await lab.stop();
  lab = undefined;
  if (env.BENCH_SDK === "1") log("SDK overhead benchmark (bench/sdk-overhead.ts)...");
  const sdk = env.BENCH_SDK === "1" ? await sdkOverhead() : null;
  const cpu = cpus();
  const result = {
    command: env.BENCH_RESULT === "latest.json" ? "make bench" : `make bench (${env.BENCH_RESULT})`,
    date: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - began) / 1000),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model ?? "unknown",
      memoryGB: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
    },
    profile: BENCH_PROFILE,
    profiles: Object.fromEntries(env.BENCH_SCENARIOS.map((sc) => [sc, SCENARIO_SETUPS[sc].profile])),
    scenarioDurationsSeconds: scenarioSeconds,
    scenarios,
    sdkOverhead: sdk,
  };
  await mkdir(join(REPO, "bench", "results"), { recursive: true });
  await writeFile(join(REPO, "bench", "results", env.BENCH_RESULT), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n${summaryTable(scenarios)}\n`);
  log(`wrote bench/results/${env.BENCH_RESULT} (${result.durationSeconds} s)`);
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
