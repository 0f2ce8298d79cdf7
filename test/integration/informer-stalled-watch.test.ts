// The pod informer behind a proxy that stalls its watch: a quiet watch is kept, a stalled one is noticed within 30 s
// and resumed from its resourceVersion (no relist), and the cache ends equal to the API server's pods.
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { Informer, type WatchFn, watchPath } from "../../operator/kube/informer.ts";
import { resourceVersionOf } from "../../operator/kube/watch-probe.ts";
import { startStallProxy } from "../harness/stall-proxy.ts";
import { waitFor } from "../harness/wait-for.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";

const kc = loadKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A pod no scheduler or node touches (a scheduling gate nobody lifts): it changes only when the test changes it. */
const gatedPod = (namespace: string, name: string): V1Pod => ({
  metadata: { name, namespace },
  spec: {
    schedulingGates: [{ name: "quiesce.dev/never" }],
    containers: [{ name: "app", image: "quiesce-sample-app", command: ["node", "--version"] }],
  },
});

const isPod = (raw: unknown): raw is V1Pod =>
  typeof raw === "object" && raw !== null && typeof (raw as V1Pod).metadata?.name === "string";

const versions = (pods: V1Pod[]) =>
  pods.map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort();

describe("stalled watch", () => {
  it("keeps a quiet watch, and replaces a stalled one within 30 s without a relist or a lost change", async () => {
    const ns = await createNamespace(kc, "stall");
    cleanups.push(ns.cleanup);
    const namespace = ns.name;
    for (const name of ["before-1", "before-2"]) {
      await core.createNamespacedPod({ namespace, body: gatedPod(namespace, name) });
    }
    const proxy = await startStallProxy(kc);
    cleanups.push(() => proxy.close());
    const viaProxy = proxy.kubeConfig().makeApiClient(CoreV1Api);

    const restarts: Array<{ reason: string; at: number }> = [];
    const bookmarks: number[] = [];
    let streamVersion = ""; // the last resourceVersion the informer's own stream delivered
    const applied: string[] = [];
    let lists = 0;
    const podWatch = watchPath(proxy.kubeConfig(), `/api/v1/namespaces/${namespace}/pods`);
    const watch: WatchFn = (query, onEvent, onDone) =>
      podWatch(
        query,
        (type, raw) => {
          if (query.allowWatchBookmarks === true) {
            if (type === "BOOKMARK") bookmarks.push(Date.now());
            streamVersion = resourceVersionOf(raw) ?? streamVersion;
          }
          onEvent(type, raw);
        },
        onDone,
      );
    const informer = new Informer<V1Pod>({
      name: "pods",
      logger: pino({ level: "warn" }),
      watch,
      list: async () => {
        lists++;
        const list = await viaProxy.listNamespacedPod({ namespace });
        return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? "" };
      },
      decode: (raw) => (isPod(raw) ? raw : undefined),
      onRestart: (reason) => restarts.push({ reason, at: Date.now() }),
    });
    for (const event of ["add", "update", "delete"] as const) {
      informer.on(event, (pod) => applied.push(`${event} ${versions([pod])[0]}`));
    }
    cleanups.push(async () => informer.stop());
    informer.start();
    await informer.waitForSync();
    const streams = () =>
      proxy.watches().filter((w) => w.url.searchParams.get("allowWatchBookmarks") === "true");
    const probes = () => proxy.watches().filter((w) => w.url.searchParams.get("timeoutSeconds") === "1");
    await waitFor(() => streams().length === 1, {
      timeoutMs: 5_000,
      what: "the pod watch through the proxy",
    });
    const streamOpenedAt = streams()[0]?.openedAt ?? 0;

    // Quiet: nothing changes; the API server's first bookmark comes about a minute in, probes meanwhile.
    await waitFor(() => bookmarks.length > 0, { timeoutMs: 80_000, what: "a bookmark on the quiet watch" });
    const firstBookmarkMs = (bookmarks[0] ?? 0) - streamOpenedAt;
    const quietProbes = probes().length;
    expect(restarts).toEqual([]);
    expect(quietProbes).toBeGreaterThanOrEqual(2);
    expect(streams()).toHaveLength(1);

    // Stalled right after the bookmark: the worst case, the stream had just proven itself alive.
    const stalled = proxy.stallWatches((w) => streams().includes(w));
    expect(stalled).toHaveLength(1);
    const stalledAt = Date.now();
    const resourceVersionBefore = streamVersion;
    await core.createNamespacedPod({ namespace, body: gatedPod(namespace, "during-1") });
    await core.patchNamespacedPod({
      namespace,
      name: "before-1",
      body: [{ op: "add", path: "/metadata/labels", value: { changed: "yes" } }],
    });
    await core.deleteNamespacedPod({ namespace, name: "before-2", gracePeriodSeconds: 0 });
    const server = async () => versions((await core.listNamespacedPod({ namespace })).items);
    expect(versions(informer.list())).not.toEqual(await server());

    await waitFor(async () => JSON.stringify(versions(informer.list())) === JSON.stringify(await server()), {
      timeoutMs: 40_000,
      what: "the informer's cache equal to the API server's pods",
    });
    const caughtUpMs = Date.now() - stalledAt;
    const stall = restarts.find((r) => r.reason === "stalled");
    const detectedMs = (stall?.at ?? Number.NaN) - stalledAt;
    console.log(
      JSON.stringify({ stalledWatch: { firstBookmarkMs, quietProbes, detectedMs, caughtUpMs, restarts } }),
    );
    expect(restarts.map((r) => r.reason)).toEqual(["stalled"]);
    expect(detectedMs).toBeLessThanOrEqual(30_000);
    expect(caughtUpMs).toBeLessThan(32_000);
    expect(lists).toBe(1);
    expect(streams().at(-1)?.url.searchParams.get("resourceVersion")).toBe(resourceVersionBefore);
    expect(new Set(applied).size).toBe(applied.length);
    expect(versions(informer.list())).toEqual(await server());
  });
});
