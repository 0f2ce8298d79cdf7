import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { objectKey } from "../../../operator/api/object-key.ts";
import { NamespacedStore } from "../../../operator/kube/namespaced-store.ts";

const obj = (namespace: string, name: string, rv = "1"): KubernetesObject => ({
  metadata: { namespace, name, resourceVersion: rv },
});
const names = (objects: KubernetesObject[]) => objects.map((o) => o.metadata?.name).sort();

describe("NamespacedStore", () => {
  it("lists one namespace, every object, and nothing for an unknown namespace", () => {
    const store = new NamespacedStore();
    for (const [ns, n] of [
      ["a", "x"],
      ["a", "y"],
      ["b", "x"],
    ] as const)
      store.set(objectKey(ns, n), obj(ns, n));
    expect(names(store.list("a"))).toEqual(["x", "y"]);
    expect(names(store.list("b"))).toEqual(["x"]);
    expect(store.list("c")).toEqual([]);
    expect(store.list()).toHaveLength(3);
    expect(store.size).toBe(3);
  });

  it("replaces an object in place and forgets deleted ones, in the index too", () => {
    const store = new NamespacedStore();
    store.set(objectKey("a", "x"), obj("a", "x", "1"));
    store.set(objectKey("a", "x"), obj("a", "x", "2"));
    expect(store.list("a").map((o) => o.metadata?.resourceVersion)).toEqual(["2"]);
    store.delete(objectKey("a", "x"));
    store.delete(objectKey("a", "missing"));
    expect(store.list("a")).toEqual([]);
    expect(store.get(objectKey("a", "x"))).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("agrees with filtering every object by namespace after random changes", () => {
    const store = new NamespacedStore();
    const truth = new Map<string, KubernetesObject>();
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const ns = `ns-${next(5)}`;
      const name = `p-${next(40)}`;
      const key = objectKey(ns, name);
      if (next(3) === 0) {
        store.delete(key);
        truth.delete(key);
      } else {
        const o = obj(ns, name, String(i));
        store.set(key, o);
        truth.set(key, o);
      }
    }
    for (let n = 0; n < 6; n++) {
      const ns = `ns-${n}`;
      const expected = [...truth.values()].filter((o) => o.metadata?.namespace === ns);
      expect(names(store.list(ns))).toEqual(names(expected));
    }
  });
});
