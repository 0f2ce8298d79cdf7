// The `ip` commands that bring the pod network namespace to its wanted state, computed from what is there now.
import { z } from "zod";

export const DEFAULT_POD_CIDR = "198.18.0.0/16";
export const DEFAULT_POD_NETNS = "quiesce-pods";
export const HOST_VETH = "qpod-host";
export const NS_VETH = "qpod-ns";
export const HOST_VETH_ADDR = "169.254.123.1/30";
export const NS_VETH_IP = "169.254.123.2";

/** What `observe` found; every field is about the host namespace unless it says otherwise. */
export interface ObservedPodNetwork {
  netnsExists: boolean;
  hostVethExists: boolean;
  /** qpod-ns inside the namespace. */
  nsVethExists: boolean;
  /** A `local <cidr> dev lo` route in the host's local table (the old host-wide AnyIP setup). */
  staleHostLocalRoute: boolean;
}

/** Every command is idempotent given the observation, so reruns (and concurrent, locked runs) converge. */
export function podNetworkCommands(cidr: string, netns: string, seen: ObservedPodNetwork): string[][] {
  const inNs = (...args: string[]) => ["-n", netns, ...args];
  const commands: string[][] = [];
  if (!seen.netnsExists) commands.push(["netns", "add", netns]);
  const pairIntact = seen.netnsExists && seen.hostVethExists && seen.nsVethExists;
  if (!pairIntact) {
    // A half pair (one end moved or renamed by hand) cannot be repaired in place: start over.
    if (seen.hostVethExists) commands.push(["link", "del", HOST_VETH]);
    if (seen.netnsExists && seen.nsVethExists) commands.push(inNs("link", "del", NS_VETH));
    commands.push(["link", "add", HOST_VETH, "type", "veth", "peer", "name", NS_VETH, "netns", netns]);
  }
  commands.push(
    ["addr", "replace", HOST_VETH_ADDR, "dev", HOST_VETH],
    ["link", "set", HOST_VETH, "up"],
    inNs("addr", "replace", `${NS_VETH_IP}/30`, "dev", NS_VETH),
    inNs("link", "set", NS_VETH, "up"),
    inNs("link", "set", "lo", "up"),
    // AnyIP inside the namespace only: every address of the range is local there.
    inNs("route", "replace", "local", cidr, "dev", "lo"),
  );
  // The host's local table wins over the main table: a stale AnyIP route would swallow traffic meant for the veth.
  if (seen.staleHostLocalRoute) commands.push(["route", "del", "local", cidr, "dev", "lo", "table", "local"]);
  commands.push(["route", "replace", cidr, "via", NS_VETH_IP, "dev", HOST_VETH]);
  return commands;
}

const NetnsList = z.array(z.object({ name: z.string() }));
const RouteList = z.array(
  z.object({ type: z.string().optional(), dst: z.string(), dev: z.string().optional() }),
);

/** Parses `ip -j netns list` (empty output when there is none). */
export function netnsNames(json: string): string[] {
  return json.trim() === "" ? [] : NetnsList.parse(JSON.parse(json)).map((n) => n.name);
}

/** Parses `ip -j route show table local exact <cidr>`: is there a `local <cidr> dev lo` route? */
export function hasLocalLoRoute(json: string, cidr: string): boolean {
  if (json.trim() === "") return false;
  return RouteList.parse(JSON.parse(json)).some(
    (r) => r.type === "local" && r.dst === cidr && r.dev === "lo",
  );
}
