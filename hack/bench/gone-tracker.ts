// Tells when a set of pods is gone, from a watch of every pod (the API server pushes each deletion) with a list as a
// safety net every 30 s: cheaper for the API server and the bench than listing thousands of pods every 2 s.
import { type CoreV1Api, type KubeConfig, Watch } from "@kubernetes/client-node";
import { z } from "zod";

const watchedPod = z.looseObject({ metadata: z.looseObject({ uid: z.string().optional() }).optional() });

export interface GoneTracker {
  /** Resolves once every pod is gone, or at `deadline` (epoch ms); answers how many are left. */
  waitAllGone(deadline: number): Promise<number>;
  stop(): void;
}

/** Starts watching before the pods are removed, so no deletion is missed. */
export async function trackGone(
  kc: KubeConfig,
  core: CoreV1Api,
  namespaces: readonly string[],
  uids: readonly string[],
): Promise<GoneTracker> {
  let left = new Set(uids);
  let stopped = false;
  let controller: AbortController | undefined;
  const startWatch = async (): Promise<void> => {
    if (stopped) return;
    controller = await new Watch(kc).watch(
      "/api/v1/pods",
      { allowWatchBookmarks: false },
      (type, object) => {
        const uid = watchedPod.safeParse(object).data?.metadata?.uid;
        if (type === "DELETED" && uid !== undefined) left.delete(uid);
      },
      // Ended (timeout, error): watch again; the periodic list covers what fell between the two.
      () => void (stopped ? undefined : setTimeout(() => void startWatch().catch(() => undefined), 1000)),
    );
  };
  const relist = async (): Promise<void> => {
    const alive = new Set<string>();
    for (const namespace of namespaces) {
      for (const p of (await core.listNamespacedPod({ namespace })).items) alive.add(p.metadata?.uid ?? "");
    }
    left = new Set([...left].filter((uid) => alive.has(uid)));
  };
  await startWatch();
  return {
    async waitAllGone(deadline) {
      let nextList = Date.now() + 30_000;
      while (left.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        if (Date.now() >= nextList) {
          await relist();
          nextList = Date.now() + 30_000;
        }
      }
      if (left.size > 0) await relist();
      return left.size;
    },
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
