// A load pod (test/load-pod) in the app's namespace: traffic through the app's Service, read via the API server.
import type { V1Pod } from "@kubernetes/client-node";
import { z } from "zod";
import { waitFor } from "../../harness/wait-for.ts";
import type { Apis } from "../../scenarios/workloads.ts";
import { SAMPLE_APP_IMAGE } from "../images.ts";
import { getRaw } from "./kubectl.ts";

const CONTROL_PORT = 8090;

export const tallySchema = z.object({
  sent: z.number(),
  ok: z.number(),
  failed: z.number(),
  inFlight: z.number(),
  retriedOnClosedConnection: z.number(),
  failuresByReason: z.record(z.string(), z.number()),
  firstFailures: z.array(z.object({ path: z.string(), failure: z.string(), atMs: z.number() })),
  byPod: z.record(z.string(), z.number()),
});
export type LoadTally = z.infer<typeof tallySchema>;

export interface LoadPodOptions {
  namespace: string;
  /** The Service the load goes to (by DNS name, so through CoreDNS, the ClusterIP and kube-proxy). */
  service: string;
  /** Mix of sample-app paths (test/load-pod/options.ts): short requests and long work. */
  mix?: string;
  concurrency?: number;
  /** Pin the load pod to a node, so a node drain does not move the client. */
  nodeName?: string;
  name?: string;
}

export const DEFAULT_MIX = "/work?ms=20:6,/work?ms=1500:3:long,/work?ms=4000:1:long";

export interface LoadPod {
  name: string;
  stats(): Promise<LoadTally>;
  /** Stops new requests, waits for those in flight, returns the totals. */
  stop(): Promise<LoadTally>;
}

function manifest(o: LoadPodOptions, name: string): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.namespace, labels: { role: "load" } },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "load",
          image: SAMPLE_APP_IMAGE,
          command: [
            "node",
            "test/load-pod/main.ts",
            "--target",
            `http://${o.service}`,
            "--mix",
            o.mix ?? DEFAULT_MIX,
            "--concurrency",
            String(o.concurrency ?? 6),
            "--port",
            String(CONTROL_PORT),
          ],
          ports: [{ name: "control", containerPort: CONTROL_PORT }],
          readinessProbe: { httpGet: { path: "/healthz", port: "control" }, periodSeconds: 1 },
        },
      ],
    },
  };
}

/** Creates the load pod and waits until it is sending (its readiness says the Service answered once). */
export async function startLoadPod(apis: Apis, o: LoadPodOptions): Promise<LoadPod> {
  const name = o.name ?? `load-${o.service}`;
  await apis.core.createNamespacedPod({ namespace: o.namespace, body: manifest(o, name) });
  const proxy = (path: string) =>
    `/api/v1/namespaces/${o.namespace}/pods/${name}:${CONTROL_PORT}/proxy/${path}`;
  const read = async (path: string) => tallySchema.parse(JSON.parse(await getRaw(proxy(path))));
  await waitFor(
    async () => {
      const pod = await apis.core.readNamespacedPod({ name, namespace: o.namespace });
      return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    },
    { timeoutMs: 120_000, what: `load pod ${o.namespace}/${name} sending to ${o.service}`, intervalMs: 500 },
  );
  return { name, stats: () => read("stats"), stop: () => read("stop") };
}

/** Waits until the load pod has seen `n` more successful answers than `from` (the load really runs). */
export async function waitForAnswers(load: LoadPod, n: number, timeoutMs = 60_000): Promise<LoadTally> {
  const from = (await load.stats()).ok;
  return await waitFor(async () => ((await load.stats()).ok >= from + n ? load.stats() : undefined), {
    timeoutMs,
    what: `${n} answers through the Service`,
    intervalMs: 500,
  });
}
