// WriteOverlay: our own writes stand in for the informer's copy exactly until the informer has caught up.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { WriteOverlay } from "../../../operator/kube/write-overlay.ts";

const pod = (uid: string, rv: string, state = "Serving"): V1Pod => ({
  metadata: { name: `p-${uid}`, namespace: "ns", uid, resourceVersion: rv, annotations: { state } },
});

describe("WriteOverlay", () => {
  it("returns our newer write until the cache has a version at least as new", () => {
    const overlay = new WriteOverlay<V1Pod>();
    overlay.remember(pod("a", "12", "Settling"));
    expect(overlay.freshest(pod("a", "11"))).toMatchObject({ metadata: { resourceVersion: "12" } });
    expect(overlay.freshest(pod("a", "12", "Settling-by-cache")).metadata?.annotations?.state).toBe(
      "Settling-by-cache",
    );
    // Caught up once: the entry is gone, an older cache copy is no longer overlaid.
    expect(overlay.freshest(pod("a", "11")).metadata?.resourceVersion).toBe("11");
  });

  it("never overlays another object, even one with the same name (a replacement pod)", () => {
    const overlay = new WriteOverlay<V1Pod>();
    overlay.remember(pod("a", "12"));
    const replacement = { ...pod("b", "5"), metadata: { ...pod("b", "5").metadata, name: "p-a" } };
    expect(overlay.freshest(replacement).metadata?.uid).toBe("b");
  });

  it("lets the cache win when resourceVersions are not integers", () => {
    const overlay = new WriteOverlay<V1Pod>();
    overlay.remember(pod("a", "x9"));
    expect(overlay.freshest(pod("a", "3")).metadata?.resourceVersion).toBe("3");
  });

  it("overlays a list and forgets writes older than 30 s (the object may be gone)", () => {
    let now = 0;
    const overlay = new WriteOverlay<V1Pod>(() => now);
    overlay.remember(pod("a", "12"));
    expect(overlay.overlay([pod("a", "11"), pod("b", "3")]).map((p) => p.metadata?.resourceVersion)).toEqual([
      "12",
      "3",
    ]);
    now = 30_001;
    expect(overlay.overlay([pod("a", "11")])[0]?.metadata?.resourceVersion).toBe("11");
  });
});
