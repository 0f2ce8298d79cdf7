import { describe, expect, it } from "vitest";
import {
  hasLocalLoRoute,
  netnsNames,
  type ObservedPodNetwork,
  podNetworkCommands,
} from "../../harness/node-agent/pod-network-plan.ts";

const CIDR = "198.18.0.0/16";
const ready: ObservedPodNetwork = {
  netnsExists: true,
  hostVethExists: true,
  nsVethExists: true,
  staleHostLocalRoute: false,
};
const lines = (seen: ObservedPodNetwork) =>
  podNetworkCommands(CIDR, "quiesce-pods", seen).map((c) => c.join(" "));

describe("podNetworkCommands", () => {
  it("builds the namespace, the veth pair and both routes from nothing", () => {
    expect(
      lines({ netnsExists: false, hostVethExists: false, nsVethExists: false, staleHostLocalRoute: false }),
    ).toEqual([
      "netns add quiesce-pods",
      "link add qpod-host type veth peer name qpod-ns netns quiesce-pods",
      "addr replace 169.254.123.1/30 dev qpod-host",
      "link set qpod-host up",
      "-n quiesce-pods addr replace 169.254.123.2/30 dev qpod-ns",
      "-n quiesce-pods link set qpod-ns up",
      "-n quiesce-pods link set lo up",
      "-n quiesce-pods route replace local 198.18.0.0/16 dev lo",
      "route replace 198.18.0.0/16 via 169.254.123.2 dev qpod-host",
    ]);
  });

  it("only reasserts addresses, links and routes when everything exists (idempotent rerun)", () => {
    const rerun = lines(ready);
    expect(
      rerun.some((l) => l.startsWith("netns add") || l.startsWith("link add") || l.includes(" del")),
    ).toBe(false);
    expect(rerun).toContain("-n quiesce-pods route replace local 198.18.0.0/16 dev lo");
  });

  it("never puts an AnyIP route for the range in the host namespace, and removes a stale one", () => {
    const hostLocal = (l: string) => !l.startsWith("-n ") && /route (replace|add) local/.test(l);
    expect(lines(ready).some(hostLocal)).toBe(false);
    const cleaned = lines({ ...ready, staleHostLocalRoute: true });
    expect(cleaned).toContain("route del local 198.18.0.0/16 dev lo table local");
    expect(cleaned.some(hostLocal)).toBe(false);
  });

  it("recreates a broken veth pair", () => {
    expect(lines({ ...ready, nsVethExists: false }).slice(0, 2)).toEqual([
      "link del qpod-host",
      "link add qpod-host type veth peer name qpod-ns netns quiesce-pods",
    ]);
    expect(lines({ ...ready, hostVethExists: false }).slice(0, 2)).toEqual([
      "-n quiesce-pods link del qpod-ns",
      "link add qpod-host type veth peer name qpod-ns netns quiesce-pods",
    ]);
  });
});

describe("ip -j parsing", () => {
  it("reads namespace names, also from empty output", () => {
    expect(netnsNames('[{"name":"other","id":0},{"name":"quiesce-pods"}]')).toEqual([
      "other",
      "quiesce-pods",
    ]);
    expect(netnsNames("")).toEqual([]);
    expect(netnsNames("[]\n")).toEqual([]);
  });

  it("finds only a local route of exactly that range on lo", () => {
    const stale = '[{"type":"local","dst":"198.18.0.0/16","dev":"lo","scope":"host","flags":[]}]';
    expect(hasLocalLoRoute(stale, CIDR)).toBe(true);
    expect(hasLocalLoRoute(stale, "198.19.0.0/16")).toBe(false);
    expect(hasLocalLoRoute('[{"type":"local","dst":"198.18.0.0/16","dev":"eth0"}]', CIDR)).toBe(false);
    expect(hasLocalLoRoute("[]", CIDR)).toBe(false);
    expect(hasLocalLoRoute("", CIDR)).toBe(false);
  });
});
