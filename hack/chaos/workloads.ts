// The chaos workloads: the sample app (3 replicas) and a Deployment of the misbehaving-quiesce fixture, with their
// QuiescePolicies.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { z } from "zod";
import { waitFor } from "../../test/harness/wait-for.ts";
import {
  APP_PORT,
  appDeployment,
  appService,
  BROKEN_ADMIN_PORT,
  brokenQuiesceCommand,
  samplePolicySpec,
} from "../../test/scenarios/manifests.ts";
import { type Apis, createApp, createPolicy, isReady, listPods } from "../../test/scenarios/workloads.ts";

/** CHAOS_WEB_TIMEOUT_SECONDS: the web policy's drain timeout (20 s by default, short to keep the run short). */
const webTimeoutSeconds = z.coerce
  .number()
  .int()
  .min(5)
  .max(600)
  .default(20)
  .parse(process.env.CHAOS_WEB_TIMEOUT_SECONDS);
export const WEB = {
  namespace: "chaos-web",
  app: "web",
  replicas: 3,
  timeoutSeconds: webTimeoutSeconds,
  pollSeconds: 1,
};
export const BROKEN = {
  namespace: "chaos-endpoints",
  app: "broken",
  replicas: 2,
  timeoutSeconds: 8,
  pollSeconds: 1,
};
export const ENDPOINT_MODES = [
  "refuse",
  "500",
  "hang",
  "trickle",
  "invalid-json",
  "negative-inflight",
  "nan-inflight",
  "body-50mb",
  "huge",
] as const;

export async function createWeb(apis: Apis): Promise<void> {
  await apis.core.createNamespace({ body: { metadata: { name: WEB.namespace } } });
  await createPolicy(apis, WEB.app, WEB.namespace, {
    ...samplePolicySpec(WEB.app, {
      timeoutSeconds: WEB.timeoutSeconds,
      settleSeconds: 2,
      pollIntervalSeconds: WEB.pollSeconds,
      // The documented HA setting: a removal the deletion gate never sees (webhook call lost with a dying
      // replica, every replica gone) still holds SIGTERM back for settleSeconds while endpoints propagate.
      injectPreStop: true,
    }),
    budget: { maxConcurrent: WEB.replicas, minServing: 1 },
  });
  await createApp(
    apis,
    {
      name: WEB.app,
      namespace: WEB.namespace,
      replicas: WEB.replicas,
      maxSurge: WEB.replicas,
      maxUnavailable: 0,
      grace: 10,
    },
    120_000,
  );
}

export async function createBroken(apis: Apis, firstMode: string): Promise<void> {
  const { namespace, app, replicas } = BROKEN;
  await apis.core.createNamespace({ body: { metadata: { name: namespace } } });
  await createPolicy(apis, app, namespace, {
    selector: { matchLabels: { app } },
    endpoint: { port: "admin", path: "/quiesce", requestTimeoutSeconds: 1 },
    drain: {
      timeoutSeconds: BROKEN.timeoutSeconds,
      pollIntervalSeconds: BROKEN.pollSeconds,
      settleSeconds: 2,
    },
    budget: { maxConcurrent: replicas, minServing: 1 },
  });
  const deployment = appDeployment({
    name: app,
    namespace,
    replicas,
    maxSurge: replicas,
    maxUnavailable: 0,
    grace: 2,
  });
  const container = deployment.spec?.template.spec?.containers[0];
  if (container === undefined) throw new Error("broken deployment: no container");
  container.image = "quiesce-fixtures:dev";
  container.command = brokenQuiesceCommand(firstMode);
  container.ports = [
    { name: "http", containerPort: APP_PORT },
    { name: "admin", containerPort: BROKEN_ADMIN_PORT },
  ];
  await apis.core.createNamespacedService({ namespace, body: appService({ name: app, namespace }) });
  await apis.apps.createNamespacedDeployment({ namespace, body: deployment });
  await waitFor(
    async () => {
      const pods = await listPods(apis, namespace, app);
      return pods.length === replicas && pods.every(isReady);
    },
    { timeoutMs: 120_000, what: `${replicas} ready ${app} pods` },
  );
}

/** A rollout of the fixture Deployment whose new pods run `mode` (the old ones keep theirs). */
export async function rollBrokenTo(apis: Apis, mode: string): Promise<void> {
  await apis.apps.patchNamespacedDeployment(
    {
      namespace: BROKEN.namespace,
      name: BROKEN.app,
      body: {
        spec: { template: { spec: { containers: [{ name: "app", command: brokenQuiesceCommand(mode) }] } } },
      },
    },
    setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
  );
}
