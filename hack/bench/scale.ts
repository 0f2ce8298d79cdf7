// `make bench-scale`: many pods (light mode: one process hosts the sample apps) in many Deployments with policies;
// operator idle CPU and peak RSS, then many drains at once: every drain finishes, API writes per drain, webhook
// latency. The operator runs as the image and the chart run it: the bundle, with the chart's default NODE_OPTIONS and
// MALLOC_ARENA_MAX.
// Env: SCALE_DEPLOYMENTS (200), SCALE_REPLICAS (10), SCALE_NAMESPACES (10), SCALE_IDLE_SECONDS (60),
// SCALE_RESULT (scale.json, under bench/results), SCALE_HEAP_SNAPSHOT=1 (heap snapshots at idle and after the burst,
// summarised by type: they pause the operator and raise its RSS, so the peak is read before each and reset after
// the idle one; the burst's peak is then the burst's alone), SCALE_HARNESS_NICE (with SCALE_OPERATOR_CPU=first:
// the node agent's kubelets in this process and the light host's apps stand in for other machines),
// SCALE_OPERATOR_CPU (shared, the default: everything at nice 0, competing for the two cores alike; first: once the
// pods are Ready, the control plane runs at nice 5 and the node agent and light host at SCALE_HARNESS_NICE, 10).
import { execFile } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { V1Deployment } from "@kubernetes/client-node";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { type Lab, startEnvironment } from "../../test/harness/environment.ts";
import { ChildProcessRunner, ensurePodNetwork, LightRunner } from "../../test/harness/node-agent/index.ts";
import { processUsage, statFields } from "../../test/harness/operator-process.ts";
import {
  counterSum,
  diffBuckets,
  histogramBuckets,
  histogramQuantile,
  parseSamples,
} from "../../test/harness/report/prometheus.ts";
import { cpuSecondsBetween } from "../../test/harness/report/scheduling.ts";
import { appDeployment, samplePolicySpec } from "../../test/scenarios/manifests.ts";
import { createPolicy } from "../../test/scenarios/workloads.ts";
import { operatorFirst } from "./cpu-split.ts";
import { trackGone } from "./gone-tracker.ts";
import { type HeapSummary, summarizeHeapFile } from "./heap-summary.ts";
import { moduleGraphCosts } from "./module-graph.ts";
import { cpuTicksByProcess, startSchedSampler } from "./sched-sampler.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const env = z
  .object({
    SCALE_DEPLOYMENTS: z.coerce.number().int().min(1).default(200),
    SCALE_REPLICAS: z.coerce.number().int().min(1).default(10),
    SCALE_NAMESPACES: z.coerce.number().int().min(1).default(10),
    SCALE_IDLE_SECONDS: z.coerce.number().int().min(5).default(60),
    SCALE_DIR: z.string().default(join(REPO, ".bench-scale")),
    SCALE_RESULT: z
      .string()
      .regex(/^[\w.-]+\.json$/)
      .default("scale.json"),
    SCALE_HEAP_SNAPSHOT: z.enum(["0", "1"]).default("0"),
    SCALE_HARNESS_NICE: z.coerce.number().int().min(0).max(19).default(10),
    SCALE_OPERATOR_CPU: z.enum(["first", "shared"]).default("shared"),
    /**
     * 1: the operator runs with V8's --prof; the tick log (whole run) is SCALE_DIR/v8.log (node --prof-process).
     * cpuprof: with --cpu-prof; SCALE_DIR/operator.cpuprofile, its burst summarised by hack/bench/cpu-profile.ts.
     */
    SCALE_CPU_PROFILE: z.enum(["0", "1", "cpuprof"]).default("0"),
  })
  .parse(process.env);
const RUN_DIR = join(env.SCALE_DIR, "run");
const log = (line: string) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = (bytes: number) => Number((bytes / 2 ** 20).toFixed(1));

/** The operator container's environment as the chart renders it with its default values (NODE_OPTIONS, ...). */
async function chartEnv(): Promise<Record<string, string>> {
  const helm = (
    await promisify(execFile)("bash", [join(REPO, "hack", "helm.sh")], { cwd: REPO })
  ).stdout.trim();
  const rendered = (
    await promisify(execFile)(helm, ["template", "q", join(REPO, "charts", "quiesce-operator")], {
      cwd: REPO,
      maxBuffer: 16 * 2 ** 20,
    })
  ).stdout;
  const envVar = z.object({ name: z.string(), value: z.string().optional() });
  for (const doc of rendered.split(/^---$/m)) {
    const o = parseYaml(doc) as {
      kind?: string;
      spec?: { template?: { spec?: { containers?: { env?: unknown[] }[] } } };
    };
    if (o?.kind !== "Deployment") continue;
    const env: Record<string, string> = {};
    for (const e of o.spec?.template?.spec?.containers?.[0]?.env ?? []) {
      const parsed = envVar.safeParse(e);
      if (parsed.success && parsed.data.value !== undefined) env[parsed.data.name] = parsed.data.value;
    }
    return env;
  }
  throw new Error("helm template rendered no Deployment");
}

/** What of the chart's environment shapes the process's memory: Node's flags and glibc's arenas. */
async function chartMemorySettings(): Promise<{ nodeArgs: string[]; env: Record<string, string> }> {
  const env = await chartEnv();
  const arenas = env.MALLOC_ARENA_MAX;
  return {
    nodeArgs: (env.NODE_OPTIONS ?? "").split(" ").filter(Boolean),
    env: arenas === undefined ? {} : { MALLOC_ARENA_MAX: arenas },
  };
}

const REVIEWS = "quiesce_webhook_request_duration_seconds_count";
const WRITES = "quiesce_api_requests_total";
const gaugeMs = (metrics: string, name: string) => Number((counterSum(metrics, name) * 1000).toFixed(1));

/** A counter's increase between two scrapes, per the given labels joined by a space. */
function increaseByLabels(
  after: string,
  before: string,
  name: string,
  labels: readonly string[],
): Record<string, number> {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const s of parseSamples(text)) {
      if (s.name !== name) continue;
      const key = labels.map((l) => s.labels[l] ?? "?").join(" ");
      m.set(key, (m.get(key) ?? 0) + s.value);
    }
    return m;
  };
  const prior = count(before);
  return Object.fromEntries([...count(after)].map(([k, v]) => [k, v - (prior.get(k) ?? 0)]));
}

/** How long a process has run (/proc: its start in clock ticks since boot, 100 per second, against the uptime). */
async function processAgeMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const startTicks = Number(statFields(stat)[19]);
  const uptime = Number((await readFile("/proc/uptime", "utf8")).split(" ")[0]);
  return Math.round(uptime * 1000 - startTicks * 10);
}

/** V8's heap spaces from prom-client's default metrics, MB used. */
function heapSpaces(metrics: string): Record<string, number> {
  const spaces: Record<string, number> = {};
  for (const s of parseSamples(metrics)) {
    if (s.name === "nodejs_heap_space_size_used_bytes" && s.labels.space)
      spaces[s.labels.space] = MB(s.value);
  }
  return spaces;
}

const percentile = (sorted: readonly number[], q: number) =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0);

let lab: Lab | undefined;
process.on("SIGINT", () => {
  void (lab?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
});

/** The sample app with a 10 s readiness period: 2,000 pods probed every second would swamp two cores. */
function lightDeployment(name: string, namespace: string, replicas: number): V1Deployment {
  const d = appDeployment({ name, namespace, replicas, grace: 30 });
  const container = d.spec?.template.spec?.containers[0];
  if (container?.readinessProbe) container.readinessProbe.periodSeconds = 10;
  return d;
}

async function readyPods(l: Lab, namespaces: string[]): Promise<number> {
  let ready = 0;
  for (const namespace of namespaces) {
    const list = await l.apis.apps.listNamespacedDeployment({ namespace });
    for (const d of list.items) ready += d.status?.readyReplicas ?? 0;
  }
  return ready;
}

/** SIGUSR2 makes the operator write a heap snapshot into RUN_DIR (--heapsnapshot-signal); waits for it, summarises. */
async function heapSnapshot(l: Lab, label: string): Promise<HeapSummary> {
  const before = new Set(await readdir(RUN_DIR));
  log(`heap snapshot (${label})...`);
  l.operator.kill("SIGUSR2");
  const deadline = Date.now() + 120_000;
  for (;;) {
    const fresh = (await readdir(RUN_DIR)).filter((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    // V8 writes the file in one go and closes it; the operator answers /metrics again once it has.
    if (
      fresh[0] &&
      (await l.operator.metrics().then(
        () => true,
        () => false,
      ))
    ) {
      const summary = await summarizeHeapFile(join(RUN_DIR, fresh[0]));
      log(
        `heap (${label}): ${summary.totalMB} MB in ${summary.nodes} nodes; ${JSON.stringify(summary.byType)}`,
      );
      return summary;
    }
    if (Date.now() > deadline) throw new Error(`no heap snapshot (${label}) within 120 s`);
    await sleep(1000);
  }
}

async function main(): Promise<void> {
  const total = env.SCALE_DEPLOYMENTS * env.SCALE_REPLICAS;
  let light: LightRunner | undefined;
  await mkdir(RUN_DIR, { recursive: true });
  const chart = await chartMemorySettings();
  const nodeArgs = [...chart.nodeArgs, "--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${RUN_DIR}`];
  if (env.SCALE_CPU_PROFILE === "cpuprof")
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${env.SCALE_DIR}`, "--cpu-prof-name=operator.cpuprofile");
  if (env.SCALE_CPU_PROFILE === "1")
    nodeArgs.push("--prof", "--no-logfile-per-isolate", `--logfile=${join(env.SCALE_DIR, "v8.log")}`);
  log(
    `operator node flags and env (the chart's defaults): ${nodeArgs.join(" ")} ${JSON.stringify(chart.env)}`,
  );
  const moduleGraph = await moduleGraphCosts(nodeArgs.filter((a) => a.startsWith("--max-")));
  lab = await startEnvironment({
    dir: RUN_DIR,
    clean: true,
    // The node agent's nodes hold 1,000 pods each; leave room.
    nodes: Math.max(4, Math.ceil(total / 800)),
    operator: { nodeArgs, env: chart.env },
    say: log,
    runner: async () => {
      const network = await ensurePodNetwork();
      light = new LightRunner({
        execPrefix: network.execPrefix,
        fallback: new ChildProcessRunner({ argvPrefix: network.execPrefix }),
        hostLogFile: join(RUN_DIR, "logs", "light-host.log"),
      });
      return light;
    },
  });
  const l = lab;
  const namespaces = Array.from({ length: env.SCALE_NAMESPACES }, (_, i) => `scale-${i}`);
  for (const name of namespaces) await l.apis.core.createNamespace({ body: { metadata: { name } } });
  log(
    `creating ${env.SCALE_DEPLOYMENTS} Deployments x ${env.SCALE_REPLICAS} replicas, each with a QuiescePolicy...`,
  );
  const created = Date.now();
  for (let i = 0; i < env.SCALE_DEPLOYMENTS; i++) {
    const namespace = namespaces[i % namespaces.length] ?? "scale-0";
    const name = `app-${i}`;
    await createPolicy(l.apis, name, namespace, {
      ...samplePolicySpec(name, { timeoutSeconds: 120, settleSeconds: 5, pollIntervalSeconds: 1 }),
    });
    await l.apis.apps.createNamespacedDeployment({
      namespace,
      body: lightDeployment(name, namespace, env.SCALE_REPLICAS),
    });
  }
  let ready = 0;
  let lastReport = 0;
  const readyDeadline = Date.now() + 30 * 60_000;
  while (ready < total) {
    if (Date.now() > readyDeadline) throw new Error(`only ${ready} of ${total} pods Ready after 30 min`);
    await sleep(5000);
    ready = await readyPods(l, namespaces);
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      log(`${ready}/${total} pods Ready`);
    }
  }
  if (env.SCALE_OPERATOR_CPU === "first") {
    // Every process this one starts from now on inherits its priority.
    const split = await operatorFirst({
      operatorPid: l.operator.pid,
      harness: light?.hostPid ? [light.hostPid] : [],
      harnessNice: env.SCALE_OPERATOR_CPU === "first" ? env.SCALE_HARNESS_NICE : 0,
      controlPlaneNice: 5,
    });
    log(
      `operator first: ${split.controlPlane} control-plane processes at nice 5, the node agent and light host at ${env.SCALE_HARNESS_NICE}`,
    );
  }
  const startupSeconds = (Date.now() - created) / 1000;
  log(`${total} pods Ready after ${startupSeconds.toFixed(0)} s; letting things settle for 20 s`);
  await sleep(20_000);

  const idleBefore = await l.operator.usage();
  const idleMetricsBefore = await l.operator.metrics();
  await sleep(env.SCALE_IDLE_SECONDS * 1000);
  const idleAfter = await l.operator.usage();
  const idleMetricsAfter = await l.operator.metrics();
  const idleCpuPercent = (100 * (idleAfter.cpuSeconds - idleBefore.cpuSeconds)) / env.SCALE_IDLE_SECONDS;
  const idleApiWrites =
    counterSum(idleMetricsAfter, "quiesce_api_requests_total") -
    counterSum(idleMetricsBefore, "quiesce_api_requests_total");
  log(
    `operator idle: ${idleCpuPercent.toFixed(2)}% of a core, RSS ${(idleAfter.rssBytes / 2 ** 20).toFixed(0)} MB, ${idleApiWrites} API writes in ${env.SCALE_IDLE_SECONDS} s`,
  );
  const idleHeapSpaces = heapSpaces(idleMetricsAfter);
  const idlePeakRss = idleAfter.peakRssBytes;
  const idleHeap = env.SCALE_HEAP_SNAPSHOT === "1" ? await heapSnapshot(l, "idle") : undefined;
  // The snapshot's own spike would otherwise be the burst's peak: "5" resets the peak RSS (VmHWM) (proc(5)).
  if (idleHeap) await writeFile(`/proc/${l.operator.pid}/clear_refs`, "5");

  // One pod of every Deployment, all at once.
  const victims: { namespace: string; name: string; uid: string }[] = [];
  for (const namespace of namespaces) {
    const pods = (await l.apis.core.listNamespacedPod({ namespace })).items;
    const seen = new Set<string>();
    for (const p of pods) {
      const app = p.metadata?.labels?.app ?? "";
      if (seen.has(app) || p.metadata?.deletionTimestamp) continue;
      seen.add(app);
      victims.push({ namespace, name: p.metadata?.name ?? "", uid: p.metadata?.uid ?? "" });
    }
  }
  const gone = await trackGone(
    l.kc,
    l.apis.core,
    namespaces,
    victims.map((v) => v.uid),
  );
  const drainMetricsBefore = await l.operator.metrics();
  const drainCpuBefore = (await l.operator.usage()).cpuSeconds;
  log(`deleting ${victims.length} pods at once (one per Deployment); each becomes a drain...`);
  const drainStart = Date.now();
  const operatorAgeAtBurstMs = await processAgeMs(l.operator.pid);
  const deleteMs: number[] = [];
  const cpuBefore = await cpuTicksByProcess();
  const schedBurst = startSchedSampler(l.operator.pid);
  const schedDeletes = startSchedSampler(l.operator.pid);
  const answers = await Promise.all(
    victims.map((v) => {
      const sent = performance.now();
      return l.apis.core
        .deleteNamespacedPod({ namespace: v.namespace, name: v.name })
        .then(
          () => "allowed",
          (error: unknown) =>
            (error as { code?: number }).code === 403
              ? "denied (drain started)"
              : `error ${String(error).slice(0, 80)}`,
        )
        .finally(() => deleteMs.push(performance.now() - sent));
    }),
  );
  const deletesSched = await schedDeletes.stop();
  deleteMs.sort((a, b) => a - b);
  const byAnswer: Record<string, number> = {};
  for (const a of answers) byAnswer[a] = (byAnswer[a] ?? 0) + 1;
  log(`delete answers: ${JSON.stringify(byAnswer)}`);
  const remaining = await gone.waitAllGone(Date.now() + 10 * 60_000);
  gone.stop();
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const burstSched = await schedBurst.stop();
  const cpuByProcess = cpuSecondsBetween(cpuBefore, await cpuTicksByProcess());
  const drainMetricsAfter = await l.operator.metrics();
  const drainCpu = (await l.operator.usage()).cpuSeconds - drainCpuBefore;
  const writes =
    counterSum(drainMetricsAfter, "quiesce_api_requests_total") -
    counterSum(drainMetricsBefore, "quiesce_api_requests_total");
  const finished =
    counterSum(drainMetricsAfter, "quiesce_drains_finished_total") -
    counterSum(drainMetricsBefore, "quiesce_drains_finished_total");
  const byOutcome = drainMetricsAfter
    .split("\n")
    .filter((line) => line.startsWith("quiesce_drains_finished_total{"));
  const webhookBuckets = diffBuckets(
    histogramBuckets(drainMetricsAfter, "quiesce_webhook_request_duration_seconds"),
    histogramBuckets(drainMetricsBefore, "quiesce_webhook_request_duration_seconds"),
  );
  const webhookP99 = histogramQuantile(0.99, webhookBuckets);
  const webhookP99ByName = Object.fromEntries(
    ["mutate-pods", "validate-pod-deletion"].map((webhook) => {
      const name = "quiesce_webhook_request_duration_seconds";
      const q = histogramQuantile(
        0.99,
        diffBuckets(
          histogramBuckets(drainMetricsAfter, name, { webhook }),
          histogramBuckets(drainMetricsBefore, name, { webhook }),
        ),
      );
      return [webhook, q === undefined ? null : Number((q * 1000).toFixed(1))];
    }),
  );
  const usage = await l.operator.usage();
  const burstPeakRss = usage.peakRssBytes;
  const burstHeap = env.SCALE_HEAP_SNAPSHOT === "1" ? await heapSnapshot(l, "after-burst") : undefined;
  const hostUsage = light?.hostPid ? await processUsage(light.hostPid).catch(() => undefined) : undefined;
  const result = {
    command:
      env.SCALE_RESULT === "scale.json" ? "make bench-scale" : `make bench-scale (${env.SCALE_RESULT})`,
    date: new Date().toISOString(),
    deployments: env.SCALE_DEPLOYMENTS,
    replicas: env.SCALE_REPLICAS,
    pods: total,
    policies: env.SCALE_DEPLOYMENTS,
    podsReadySeconds: Math.round(startupSeconds),
    harnessNice: env.SCALE_OPERATOR_CPU === "first" ? env.SCALE_HARNESS_NICE : 0,
    operatorCpu: env.SCALE_OPERATOR_CPU,
    idle: {
      seconds: env.SCALE_IDLE_SECONDS,
      operatorCpuPercentOfCore: Number(idleCpuPercent.toFixed(2)),
      apiWrites: idleApiWrites,
    },
    drains: {
      requested: victims.length,
      deleteAnswers: byAnswer,
      // A DELETE the API server let through without the gate's answer: the webhook timed out or failed open.
      failedOpen: byAnswer.allowed ?? 0,
      deleteLatencyMs: {
        p50: Math.round(percentile(deleteMs, 0.5)),
        p99: Math.round(percentile(deleteMs, 0.99)),
        max: Math.round(deleteMs.at(-1) ?? 0),
      },
      webhookP99Ms: webhookP99 === undefined ? null : Number((webhookP99 * 1000).toFixed(1)),
      webhookP99MsByWebhook: webhookP99ByName,
      webhookReviews: increaseByLabels(drainMetricsAfter, drainMetricsBefore, REVIEWS, ["webhook", "result"]),
      apiWritesByKind: increaseByLabels(drainMetricsAfter, drainMetricsBefore, WRITES, ["verb", "resource"]),
      // prom-client's event-loop delay, reset at each scrape: over the burst alone.
      eventLoopDelayMs: {
        p50: gaugeMs(drainMetricsAfter, "nodejs_eventloop_lag_p50_seconds"),
        p99: gaugeMs(drainMetricsAfter, "nodejs_eventloop_lag_p99_seconds"),
        max: gaugeMs(drainMetricsAfter, "nodejs_eventloop_lag_max_seconds"),
      },
      // The operator's main thread on the CPU and waiting for one, and the machine's load: while the deletions
      // were being answered, and over the whole burst.
      scheduling: { deletes: deletesSched ?? null, burst: burstSched ?? null },
      // CPU seconds in the burst of the busiest processes on the machine (the operator, the control plane, the
      // node agent and the light host standing in for the nodes, the bench itself).
      cpuSecondsByProcess: cpuByProcess,
      finishedMetric: finished,
      podsGone: victims.length - remaining,
      allFinished: remaining === 0,
      seconds: Number(drainSeconds.toFixed(1)),
      operatorApiWrites: writes,
      apiWritesPerDrain: Number((writes / Math.max(1, victims.length)).toFixed(2)),
      // Deletions the webhook let through (e.g. it timed out and failed open) never became drains.
      apiWritesPerFinishedDrain: Number((writes / Math.max(1, finished)).toFixed(2)),
      operatorCpuSeconds: Number(drainCpu.toFixed(2)),
      // For SCALE_CPU_PROFILE: the burst starts this long after the operator did (node --prof-process --range).
      operatorAgeAtBurstMs,
      outcomes: byOutcome,
    },
    operator: {
      entry: process.env.OPERATOR_ENTRY ?? "source",
      nodeArgs: nodeArgs.filter((a) => a.startsWith("--max-")),
      env: chart.env,
      idleRssMB: MB(idleAfter.rssBytes),
      idlePeakRssMB: MB(idlePeakRss),
      peakRssMB: MB(burstPeakRss),
      cpuSecondsTotal: usage.cpuSeconds,
      heapSpacesUsedMB: { idle: idleHeapSpaces, afterBurst: heapSpaces(drainMetricsAfter) },
    },
    moduleGraph,
    heap: idleHeap || burstHeap ? { idle: idleHeap ?? null, afterBurst: burstHeap ?? null } : null,
    lightHost: hostUsage ? { peakRssMB: Number((hostUsage.peakRssBytes / 2 ** 20).toFixed(1)) } : null,
  };
  log(JSON.stringify(result));
  await mkdir(join(REPO, "bench", "results"), { recursive: true });
  await writeFile(join(REPO, "bench", "results", env.SCALE_RESULT), `${JSON.stringify(result, null, 2)}\n`);
  await l.stop();
  lab = undefined;
  await rm(RUN_DIR, { recursive: true, force: true });
  if (remaining > 0) throw new Error(`${remaining} of ${victims.length} drains did not finish in 10 min`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(`bench-scale failed: ${error instanceof Error ? error.stack : String(error)}`);
  await lab?.stop();
  process.exit(1);
}
