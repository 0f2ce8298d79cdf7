// A scripted list and watch for informer tests on a FakeClock, and the informer they drive.
import type { KubernetesObject } from "@kubernetes/client-node";
import { pino } from "pino";
import {
  Informer,
  type InformerOptions,
  type ListResult,
  type WatchQuery,
} from "../../../operator/kube/informer.ts";
import { FakeClock } from "../../../operator/runtime/clock.ts";

export const obj = (name: string, resourceVersion: string): KubernetesObject => ({
  metadata: { namespace: "ns", name, resourceVersion },
});

export interface FakeWatch {
  query: WatchQuery;
  event(type: string, object: unknown): void;
  end(error?: unknown): void;
  aborted: boolean;
}

/** The list and watch functions an informer takes; each call takes the next scripted answer. */
export class FakeListWatch {
  readonly lists: Array<ListResult<KubernetesObject> | Error> = [];
  listCalls = 0;
  readonly watches: FakeWatch[] = [];
  /** Makes the next watch call throw, as when it cannot be started at all. */
  watchStartError: Error | undefined;
  /** Makes the next watch call wait for the returned release, as when the server never answers. */
  holdNextWatch = false;
  private release: (() => void) | undefined;

  list = async (): Promise<ListResult<KubernetesObject>> => {
    this.listCalls++;
    const next = this.lists.shift();
    if (next === undefined) throw new Error("no list scripted");
    if (next instanceof Error) throw next;
    return next;
  };

  watch = async (
    query: WatchQuery,
    onEvent: (type: string, raw: unknown) => void,
    onDone: (error: unknown) => void,
  ): Promise<{ abort(): void }> => {
    const error = this.watchStartError;
    this.watchStartError = undefined;
    if (error) throw error;
    const w: FakeWatch = { query, event: onEvent, end: onDone, aborted: false };
    this.watches.push(w);
    if (this.holdNextWatch) {
      this.holdNextWatch = false;
      await new Promise<void>((resolve) => {
        this.release = resolve;
      });
    }
    // Like client-node: an aborted watch still reports its end.
    return {
      abort: () => {
        w.aborted = true;
        onDone(new Error("aborted"));
      },
    };
  };

  /** Lets a held watch call return. */
  releaseHeldWatch(): void {
    this.release?.();
  }

  current(): FakeWatch {
    const w = this.watches.at(-1);
    if (w === undefined) throw new Error("no watch started");
    return w;
  }

  /** The informer's own watches (they ask for bookmarks), without the probes. */
  streams(): FakeWatch[] {
    return this.watches.filter((w) => w.query.allowWatchBookmarks === true);
  }

  /** The stall probes: one-second watches. */
  probes(): FakeWatch[] {
    return this.watches.filter((w) => w.query.allowWatchBookmarks !== true);
  }

  stream(): FakeWatch {
    const w = this.streams().at(-1);
    if (w === undefined) throw new Error("no watch stream started");
    return w;
  }

  probe(): FakeWatch {
    const w = this.probes().at(-1);
    if (w === undefined) throw new Error("no probe started");
    return w;
  }
}

const logger = pino({ level: "silent" });

export function setup(options: Partial<InformerOptions<KubernetesObject>> = {}) {
  const clock = new FakeClock(1_000_000);
  const fake = new FakeListWatch();
  const events: string[] = [];
  const restarts: string[] = [];
  const informer = new Informer<KubernetesObject>({
    name: "things",
    list: fake.list,
    watch: fake.watch,
    decode: (raw) => raw as KubernetesObject,
    logger,
    clock,
    onRestart: (reason) => restarts.push(reason),
    ...options,
  });
  const label = (o: KubernetesObject) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`;
  informer.on("add", (o) => events.push(`add ${label(o)}`));
  informer.on("update", (o, old) => events.push(`update ${old && label(old)} -> ${label(o)}`));
  informer.on("delete", (o) => events.push(`delete ${label(o)}`));
  return { clock, fake, events, restarts, informer, label };
}
