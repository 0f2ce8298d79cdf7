// listedAsServing: which EndpointSlice entries still route traffic to a pod.
import type { V1EndpointSlice } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { listedAsServing } from "../../../operator/controllers/workloads/endpoint-listing.ts";
import { pod } from "./pods.ts";

type Conditions = { ready?: boolean; serving?: boolean; terminating?: boolean };
const slice = (
  ...endpoints: { name: string; uid?: string; kind?: string; c?: Conditions }[]
): V1EndpointSlice => ({
  addressType: "IPv4",
  endpoints: endpoints.map((e) => ({
    addresses: ["198.18.0.1"],
    conditions: e.c,
    targetRef: { kind: e.kind ?? "Pod", name: e.name, uid: e.uid ?? `uid-${e.name}` },
  })),
});

describe("listedAsServing", () => {
  const web = pod("web-1");

  it("is true while a slice lists the pod as serving, false once it is not", () => {
    expect(listedAsServing(web, [slice({ name: "web-1", c: { ready: true, serving: true } })])).toBe(true);
    expect(listedAsServing(web, [slice({ name: "web-1", c: { ready: false, serving: false } })])).toBe(false);
    expect(listedAsServing(web, [])).toBe(false);
  });

  it("reads serving, not ready, so publishNotReadyAddresses Services do not hold a drain forever", () => {
    expect(listedAsServing(web, [slice({ name: "web-1", c: { ready: true, serving: false } })])).toBe(false);
  });

  it("counts an endpoint without conditions as serving (the API's meaning of unset)", () => {
    expect(listedAsServing(web, [slice({ name: "web-1" })])).toBe(true);
    expect(listedAsServing(web, [slice({ name: "web-1", c: { ready: true } })])).toBe(true);
  });

  it("is true when any one of several slices (several Services) still lists the pod", () => {
    const out = slice({ name: "web-1", c: { serving: false } });
    const still = slice({ name: "other" }, { name: "web-1", c: { serving: true } });
    expect(listedAsServing(web, [out, still])).toBe(true);
  });

  it("ignores a same-named replacement pod (UID differs) and targets that are not pods", () => {
    expect(listedAsServing(web, [slice({ name: "web-1", uid: "uid-older", c: { serving: true } })])).toBe(
      false,
    );
    expect(listedAsServing(web, [slice({ name: "web-1", kind: "Node", c: { serving: true } })])).toBe(false);
  });
});
