// `make bench-scale`: many pods (light mode: one process hosts the sample apps) in many Deployments with policies;
// operator idle CPU and peak RSS, then many drains at once: every drain finishes, API writes per drain.
// Env: SCALE_DEPLOYMENTS (200), SCALE_REPLICAS (10), SCALE_NAMESPACES (10), SCALE_IDLE_SECONDS (60).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { V1Deployment } from "@kubernetes/client-node";
import { z } from "zod";
import { type Lab, startEnvironment } from "../../test/harness/environment.ts";
import { ChildProcessRunner, ensurePodNetwork, LightRunner } from "../../test/harness/node-agent/index.ts";
import { processUsage } from "../../test/harness/operator-process.ts";
import { counterSum } from "../../test/harness/report/prometheus.ts";
import { appDeployment, samplePolicySpec } from "../../test/scenarios/manifests.ts";
import { createPolicy } from "../../test/scenarios/workloads.ts";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const env = z
  .object({
    SCALE_DEPLOYMENTS: z.coerce.number().int().min(1).default(200),
    SCALE_REPLICAS: z.coerce.number().int().min(1).default(10),
    SCALE_NAMESPACES: z.coerce.number().int().min(1).default(10),
    SCALE_IDLE_SECONDS: z.coerce.number().int().min(5).default(60),
    SCALE_DIR: z.string().default(join(REPO, ".bench-scale")),
  })
  .parse(process.env);
const RUN_DIR = join(env.SCALE_DIR, "run");
const log = (line: string) => console.log(`[scale ${new Date().toISOString().slice(11, 19)}] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

async function main(): Promise<void> {
  const total = env.SCALE_DEPLOYMENTS * env.SCALE_REPLICAS;
  let light: LightRunner | undefined;
  await mkdir(RUN_DIR, { recursive: true });
  lab = await startEnvironment({
    dir: RUN_DIR,
    clean: true,
    nodes: 4,
    operator: {},
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
  const drainMetricsBefore = await l.operator.metrics();
  const drainCpuBefore = (await l.operator.usage()).cpuSeconds;
  log(`deleting ${victims.length} pods at once (one per Deployment); each becomes a drain...`);
  const drainStart = Date.now();
  const answers = await Promise.all(
    victims.map((v) =>
      l.apis.core.deleteNamespacedPod({ namespace: v.namespace, name: v.name }).then(
        () => "allowed",
        (error: unknown) =>
          (error as { code?: number }).code === 403
            ? "denied (drain started)"
            : `error ${String(error).slice(0, 80)}`,
      ),
    ),
  );
  const byAnswer: Record<string, number> = {};
  for (const a of answers) byAnswer[a] = (byAnswer[a] ?? 0) + 1;
  log(`delete answers: ${JSON.stringify(byAnswer)}`);
  let remaining = victims.length;
  const drainDeadline = Date.now() + 10 * 60_000;
  while (remaining > 0 && Date.now() < drainDeadline) {
    await sleep(2000);
    const alive = new Set<string>();
    for (const namespace of namespaces) {
      for (const p of (await l.apis.core.listNamespacedPod({ namespace })).items)
        alive.add(p.metadata?.uid ?? "");
    }
    remaining = victims.filter((v) => alive.has(v.uid)).length;
  }
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const drainMetricsAfter = await l.operator.metrics();
  const drainCpu = (await l.operator.usage()).cpuSeconds - drainCpuBefore;
  const writes =
    counterSum(drainMetricsAfter, "quiesce_api_requests_total") -
    counterSum(drainMetricsBefore, "quiesce_api_requests_total");
  const finished =
    counterSum(drainMetricsAfter, "quiesce_drains_finished_total") -
    counterSum(drainMetricsBefore, "quiesce_drains_finished_total");
  const byOutcome = (await l.operator.metrics())
    .split("\n")
    .filter((line) => line.startsWith("quiesce_drains_finished_total{"));
  const usage = await l.operator.usage();
  const hostUsage = light?.hostPid ? await processUsage(light.hostPid).catch(() => undefined) : undefined;
  const result = {
    command: "make bench-scale",
    date: new Date().toISOString(),
    deployments: env.SCALE_DEPLOYMENTS,
    replicas: env.SCALE_REPLICAS,
    pods: total,
    policies: env.SCALE_DEPLOYMENTS,
    podsReadySeconds: Math.round(startupSeconds),
    idle: {
      seconds: env.SCALE_IDLE_SECONDS,
      operatorCpuPercentOfCore: Number(idleCpuPercent.toFixed(2)),
      apiWrites: idleApiWrites,
    },
    drains: {
      requested: victims.length,
      deleteAnswers: byAnswer,
      finishedMetric: finished,
      podsGone: victims.length - remaining,
      allFinished: remaining === 0,
      seconds: Number(drainSeconds.toFixed(1)),
      operatorApiWrites: writes,
      apiWritesPerDrain: Number((writes / Math.max(1, victims.length)).toFixed(2)),
      // Deletions the webhook let through (e.g. it timed out and failed open) never became drains.
      apiWritesPerFinishedDrain: Number((writes / Math.max(1, finished)).toFixed(2)),
      operatorCpuSeconds: Number(drainCpu.toFixed(2)),
      outcomes: byOutcome,
    },
    operator: {
      peakRssMB: Number((usage.peakRssBytes / 2 ** 20).toFixed(1)),
      cpuSecondsTotal: usage.cpuSeconds,
    },
    lightHost: hostUsage ? { peakRssMB: Number((hostUsage.peakRssBytes / 2 ** 20).toFixed(1)) } : null,
  };
  log(JSON.stringify(result));
  await mkdir(join(REPO, "bench", "results"), { recursive: true });
  await writeFile(join(REPO, "bench", "results", "scale.json"), `${JSON.stringify(result, null, 2)}\n`);
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
