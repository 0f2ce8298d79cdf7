// The chaos workloads: the sample app (3 replicas, production-like policy; a short-timeout copy for the stress case)
// and a Deployment of the misbehaving-quiesce fixture, with their QuiescePolicies.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { z } from "zod";
import { DEFAULTS } from "../../operator/api/quiesce-policy.ts";
import { waitFor } from "../../test/harness/wait-for.ts";
import {
  APP_PORT,
  appDeployment,
  appService,
  BROKEN_ADMIN_PORT,
  brokenQuiesceCommand,
} from "../../test/scenarios/manifests.ts";
import { type Apis, createApp, createPolicy, isReady, listPods } from "../../test/scenarios/workloads.ts";

const knobs = z
  .object({
    /** The web policy's drain timeout; settle and poll are left to the CRD defaults (settle must stay below it). */
    CHAOS_WEB_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .min(DEFAULTS.settleSeconds + 1)
      .max(600)
      .default(120),
    /** The stress case's timeout: shorter than an API server outage plus the endpoint controller's recovery. */
    CHAOS_STRESS_TIMEOUT_SECONDS: z.coerce
      .number()
      .int()
      .min(DEFAULTS.settleSeconds + 1)
      .max(600)
      .default(20),
  })
  .parse(process.env);

/** A sample-app Deployment under a production-like policy: only the timeout is set, the rest is the CRD's default. */
export interface WebWorkload {
  namespace: string;
  app: string;
  replicas: number;
  timeoutSeconds: number;
}

export const WEB: WebWorkload = {
  namespace: "chaos-web",
  app: "web",
  replicas: 3,
  timeoutSeconds: knobs.CHAOS_WEB_TIMEOUT_SECONDS,
};
/** The stress case: the same workload in its own namespace with a timeout shorter than the API server outage. */
export const STRESS: WebWorkload = {
  ...WEB,
  namespace: "chaos-stress",
  timeoutSeconds: knobs.CHAOS_STRESS_TIMEOUT_SECONDS,
};
/** The defaults the web policies get (read from the schema, not restated). */
export const WEB_POLL_SECONDS = DEFAULTS.pollIntervalSeconds;
export const WEB_SETTLE_SECONDS = DEFAULTS.settleSeconds;

/**
 * The misbehaving-endpoint fixture keeps a short timeout: most modes never answer "drained", so each drain lasts its
 * whole timeout, and 9 modes x 120 s would add ~17 min without testing more of the garbage handling. Its settle must
 * then be set below the timeout (the default 10 s is not); poll is the default.
 */
export const BROKEN = {
  namespace: "chaos-endpoints",
  app: "broken",
  replicas: 2,
  timeoutSeconds: 8,
  settleSeconds: 2,
  pollSeconds: DEFAULTS.pollIntervalSeconds,
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

/** Creates the namespace, policy and app; returns the policy's drain spec as stored (CRD defaults applied). */
export async function createWeb(apis: Apis, w: WebWorkload = WEB): Promise<unknown> {
  await apis.core.createNamespace({ body: { metadata: { name: w.namespace } } });
  const created = (await createPolicy(apis, w.app, w.namespace, {
    selector: { matchLabels: { app: w.app } },
    endpoint: { port: "http", path: "/quiesce" },
    drain: {
      timeoutSeconds: w.timeoutSeconds,
      // The documented HA setting: a removal the deletion gate never sees (webhook call lost with a dying
      // replica, every replica gone) still holds SIGTERM back for settleSeconds while endpoints propagate.
      injectPreStop: true,
    },
    budget: { maxConcurrent: w.replicas, minServing: 1 },
  })) as { spec?: { drain?: unknown } };
  // Kubernetes' default grace period (30 s): the injected preStop sleep (settleSeconds) stays below it.
  await createApp(
    apis,
    { name: w.app, namespace: w.namespace, replicas: w.replicas, maxSurge: w.replicas, maxUnavailable: 0 },
    120_000,
  );
  return created.spec?.drain;
}

export async function createBroken(apis: Apis, firstMode: string): Promise<void> {
  const { namespace, app, replicas } = BROKEN;
  await apis.core.createNamespace({ body: { metadata: { name: namespace } } });
  await createPolicy(apis, app, namespace, {
    selector: { matchLabels: { app } },
    endpoint: { port: "admin", path: "/quiesce", requestTimeoutSeconds: 1 },
    drain: { timeoutSeconds: BROKEN.timeoutSeconds, settleSeconds: BROKEN.settleSeconds },
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
