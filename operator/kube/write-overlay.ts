// Our own latest write of each object, read in place of the informer's copy until the informer catches up.
import type { KubernetesObject } from "@kubernetes/client-node";

/** How long a write may stand in at most (the informer catches up well within it; a deleted object's entry goes). */
const MAX_AGE_MS = 30_000;

export class WriteOverlay<T extends KubernetesObject> {
  private readonly byUid = new Map<string, { object: T; at: number }>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Records the object an API write returned. */
  remember(object: T): void {
    const uid = object.metadata?.uid;
    if (uid) this.byUid.set(uid, { object, at: this.now() });
  }

  /** The newer of the cached copy and our own write of the same object (same UID). */
  freshest(cached: T): T {
    this.sweep();
    return this.pick(cached);
  }

  /** `freshest` of each object of a list (one sweep for the whole list). */
  overlay(cached: readonly T[]): T[] {
    this.sweep();
    return cached.map((o) => this.pick(o));
  }

  private pick(cached: T): T {
    const uid = cached.metadata?.uid ?? "";
    const mine = this.byUid.get(uid)?.object;
    if (mine === undefined) return cached;
    if (newerOrEqual(cached.metadata?.resourceVersion, mine.metadata?.resourceVersion)) {
      this.byUid.delete(uid);
      return cached;
    }
    return mine;
  }

  private sweep(): void {
    const now = this.now();
    for (const [uid, entry] of this.byUid) if (now - entry.at > MAX_AGE_MS) this.byUid.delete(uid);
  }
}

/** etcd-backed resourceVersions are increasing integers; anything else counts as "not newer" and the cache wins. */
function newerOrEqual(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return true;
  return BigInt(a) >= BigInt(b);
}
