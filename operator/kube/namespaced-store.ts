// An informer's objects by key, indexed by namespace: list(namespace) reads one namespace, not every object.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { ObjectKey } from "../api/object-key.ts";

export class NamespacedStore<T extends KubernetesObject> {
  private readonly byKey = new Map<ObjectKey, T>();
  private readonly byNamespace = new Map<string, Map<ObjectKey, T>>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: ObjectKey): T | undefined {
    return this.byKey.get(key);
  }

  set(key: ObjectKey, object: T): void {
    const old = this.byKey.get(key);
    const namespace = object.metadata?.namespace ?? "";
    if (old !== undefined && (old.metadata?.namespace ?? "") !== namespace) this.unindex(key, old);
    this.byKey.set(key, object);
    let bucket = this.byNamespace.get(namespace);
    if (bucket === undefined) {
      bucket = new Map();
      this.byNamespace.set(namespace, bucket);
    }
    bucket.set(key, object);
  }

  delete(key: ObjectKey): void {
    const old = this.byKey.get(key);
    if (old === undefined) return;
    this.byKey.delete(key);
    this.unindex(key, old);
  }

  entries(): IterableIterator<[ObjectKey, T]> {
    return this.byKey.entries();
  }

  /** Every object, or those of one namespace ("" for cluster-scoped objects). */
  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.byKey.values()];
    const bucket = this.byNamespace.get(namespace);
    return bucket === undefined ? [] : [...bucket.values()];
  }

  private unindex(key: ObjectKey, old: T): void {
    const namespace = old.metadata?.namespace ?? "";
    const bucket = this.byNamespace.get(namespace);
    bucket?.delete(key);
    if (bucket?.size === 0) this.byNamespace.delete(namespace);
  }
}
