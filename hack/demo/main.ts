// `make demo`: the same rollout three ways (naive, preStop sleep, operator) under load, live, then a table and a report.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Lab, startEnvironment } from "../../test/harness/environment.ts";
import { progressWriter } from "../../test/harness/report/progress.ts";
import type { RolloutRun } from "../../test/harness/report/rollout-run.ts";
import { comparisonTable } from "../../test/harness/report/table.ts";
import { timelineSvg } from "../../test/harness/report/timeline-svg.ts";
import { WAY_LABELS, WAYS } from "../../test/scenarios/ways.ts";
import { DEMO_PROFILE } from "./profile.ts";
import { reportHtml } from "./report-html.ts";
import { prepareWay, runRollout } from "./rollout.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT = resolve(process.env.DEMO_DIR ?? join(REPO, ".demo"));
const RUN_DIR = join(OUT, "run");
const progress = progressWriter(process.stdout);
const abort = new AbortController();
let lab: Lab | undefined;
let cleaning: Promise<void> | undefined;

async function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await lab?.stop();
    if (process.env.DEMO_KEEP !== "1") await rm(RUN_DIR, { recursive: true, force: true });
  })();
  return cleaning;
}

process.on("SIGINT", () => {
  if (abort.signal.aborted) process.exit(130);
  abort.abort();
  progress.line("\ninterrupted: stopping the operator, the pods and the control plane...");
  void cleanup().finally(() => process.exit(130));
});

async function main(): Promise<void> {
  const began = Date.now();
  const profile = DEMO_PROFILE;
  await mkdir(OUT, { recursive: true });
  lab = await startEnvironment({
    dir: RUN_DIR,
    clean: true,
    nodes: 2,
    operator: {},
    say: (l) => progress.line(l),
  });
  progress.line(`deploying the sample app (${profile.replicas} replicas) three times: ${WAYS.join(", ")}...`);
  const namespaces = await Promise.all(WAYS.map((way) => prepareWay(lab!, way, profile)));
  const runs: RolloutRun[] = [];
  for (const [i, way] of WAYS.entries()) {
    if (abort.signal.aborted) return;
    progress.line(`\n== ${WAY_LABELS[way]}: rollout restart under load ==`);
    const run = await runRollout(lab, way, namespaces[i] ?? way, profile, {
      onTick: (t) => progress.update(t),
      pollInFlightMs: 1000,
      signal: abort.signal,
    });
    progress.done();
    runs.push(run);
    const s = run.summary;
    progress.line(
      `${WAY_LABELS[way]}: ${s.sent} requests, ${s.failed} failed (${JSON.stringify(s.failuresByReason)}), rollout ${((run.finishedAt - run.startedAt) / 1000).toFixed(1)} s`,
    );
  }
  const table = comparisonTable(
    runs.map((r) => ({
      way: r.way,
      requests: r.summary.sent,
      failed: r.summary.failed,
      longRequests: r.summary.byClass.long.sent,
      longFailed: r.summary.byClass.long.failed,
      rolloutSeconds: (r.finishedAt - r.startedAt) / 1000,
    })),
  );
  const stamp = new Date();
  const report = join(OUT, "report.html");
  await writeFile(report, reportHtml(runs, table, stamp));
  await writeFile(join(OUT, "timeline.svg"), timelineSvg(runs));
  await writeFile(join(OUT, "runs.json"), JSON.stringify(runs));
  progress.line(`\n${table}\n`);
  progress.line(`report: ${report}`);
  progress.line(`demo took ${((Date.now() - began) / 1000).toFixed(0)} s; cleaning up...`);
}

try {
  await main();
  await cleanup();
  process.exit(0);
} catch (error) {
  if (!abort.signal.aborted) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(`(logs are kept in ${RUN_DIR}/logs)`);
    process.env.DEMO_KEEP = "1";
    await cleanup();
    process.exit(1);
  }
}
