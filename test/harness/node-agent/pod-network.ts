// Makes the pod CIDR locally routable. EndpointSlices reject loopback addresses (127.0.0.0/8), so pods get IPs from
// a non-loopback range (default 198.18.0.0/16, RFC 2544 benchmarking) bound on `lo` through a `local` route (AnyIP).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { canBindAll, prefixOf } from "./ip-pool.ts";

export const DEFAULT_POD_CIDR = "198.18.0.0/16";

/** Ensures addresses in `cidr` can be bound here; adds `ip route replace local <cidr> dev lo` when root. */
export async function ensurePodNetwork(cidr: string, logger: Logger): Promise<void> {
  const probe = `${prefixOf(cidr)}.255.254`;
  if (await canBindAll(probe, [])) return;
  const hint = `run \`sudo ip route add local ${cidr} dev lo\` once (pod IPs must be local and not loopback)`;
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    throw new Error(`node-agent: pod CIDR ${cidr} is not routed to this host; ${hint}`);
  }
  try {
    await promisify(execFile)("ip", ["route", "replace", "local", cidr, "dev", "lo"]);
  } catch (error) {
    throw new Error(
      `node-agent: could not route pod CIDR ${cidr} to lo (${(error as Error).message}); ${hint}`,
    );
  }
  logger.info({ cidr }, "added local route for the pod CIDR on lo");
  if (!(await canBindAll(probe, [])))
    throw new Error(`node-agent: pod CIDR ${cidr} still not bindable; ${hint}`);
}
