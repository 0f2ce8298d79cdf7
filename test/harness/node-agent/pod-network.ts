// Puts pod IPs inside network namespace quiesce-pods, which this project creates. EndpointSlices reject loopback
// addresses, so pods get a non-loopback range (default 198.18.0.0/16, RFC 2544 benchmarking). The range is local
// (AnyIP on `lo`) inside the namespace only; the host reaches it through the veth pair qpod-host <-> qpod-ns.
import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import type { Logger } from "pino";
import { withHostLock } from "./host-lock.ts";
import { prefixOf } from "./ip-pool.ts";
import {
  DEFAULT_POD_CIDR,
  DEFAULT_POD_NETNS,
  HOST_VETH,
  hasLocalLoRoute,
  NS_VETH,
  netnsNames,
  podNetworkCommands,
} from "./pod-network-plan.ts";

export { DEFAULT_POD_CIDR, DEFAULT_POD_NETNS } from "./pod-network-plan.ts";

const LOCK_FILE = "/run/quiesce-pods.lock";

export interface PodNetwork {
  cidr: string;
  netns: string;
  /** Put in front of a command's argv to run it inside the namespace (`ip netns exec` execs it: same pid). */
  execPrefix: readonly string[];
}

export interface PodNetworkOptions {
  cidr?: string;
  netns?: string;
  logger?: Logger;
}

/** Idempotent and safe to call from several agents at once (a flock on /run/quiesce-pods.lock serializes them). */
export async function ensurePodNetwork(options: PodNetworkOptions = {}): Promise<PodNetwork> {
  const cidr = options.cidr ?? DEFAULT_POD_CIDR;
  const netns = options.netns ?? DEFAULT_POD_NETNS;
  const probeIP = `${prefixOf(cidr)}.255.254`;
  const needRoot = `node-agent: the node agent needs root to create network namespace ${netns}`;
  if (process.platform !== "linux") throw new Error(`${needRoot}: network namespaces need Linux`);
  const uid = process.getuid?.();
  if (uid !== 0) throw new Error(`${needRoot}: running as uid ${uid} (run it as root)`);
  const ipPath = findExecutable("ip");
  if (!ipPath) throw new Error(`${needRoot}: \`ip\` (iproute2) not found (hack/ensure-tools.sh installs it)`);
  const ip = new IpCommand(ipPath, netns);

  const applied = await withHostLock(LOCK_FILE, async () => {
    const netnsExists = netnsNames(await ip.output(["-j", "netns", "list"])).includes(netns);
    const seen = {
      netnsExists,
      hostVethExists: await ip.succeeds(["link", "show", "dev", HOST_VETH]),
      nsVethExists: netnsExists && (await ip.succeeds(["-n", netns, "link", "show", "dev", NS_VETH])),
      staleHostLocalRoute: hasLocalLoRoute(
        await ip.output(["-j", "route", "show", "table", "local", "exact", cidr]),
        cidr,
      ),
    };
    for (const args of podNetworkCommands(cidr, netns, seen)) await ip.output(args);
    return seen;
  });
  options.logger?.info({ cidr, netns, found: applied }, "pod network namespace ready");
  const execPrefix = [ipPath, "netns", "exec", netns];
  await checkReachable(execPrefix, probeIP, netns);
  return { cidr, netns, execPrefix };
}

class IpCommand {
  readonly #path: string;
  readonly #netns: string;

  constructor(path: string, netns: string) {
    this.#path = path;
    this.#netns = netns;
  }

  async output(args: readonly string[]): Promise<string> {
    try {
      const { stdout } = await promisify(execFile)(this.#path, args, { timeout: 15_000 });
      return stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim().split("\n")[0];
      throw new Error(
        `node-agent: setting up network namespace ${this.#netns} failed: \`ip ${args.join(" ")}\`: ${stderr || (error as Error).message}`,
      );
    }
  }

  async succeeds(args: readonly string[]): Promise<boolean> {
    return this.output(args).then(
      () => true,
      () => false,
    );
  }
}

// The server prints its port, answers one connection and exits; stdin closing (we gave up) ends it too.
const PROBE_SERVER =
  "const s=require('node:net').createServer(c=>{c.end('quiesce-pods-ok');s.close()});" +
  "s.listen(0,process.argv[1],()=>console.log(s.address().port));process.stdin.on('end',()=>process.exit(0)).resume()";

/** A real bind inside the namespace and a connect from the host, through the veth and the host route. */
async function checkReachable(execPrefix: readonly string[], ip: string, netns: string): Promise<void> {
  const [file, ...args] = [...execPrefix, process.execPath, "-e", PROBE_SERVER, ip];
  const server = spawn(file!, args, { stdio: ["pipe", "pipe", "pipe"] });
  const fail = (why: string) =>
    new Error(
      `node-agent: pod network check failed: no answer from ${ip} in network namespace ${netns} (${why})`,
    );
  let stderr = "";
  server.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      server.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /^(\d+)\n/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      server.once("error", (error) => reject(fail(error.message)));
      server.once("exit", (code) => reject(fail(`server exited ${code}: ${stderr.trim().split("\n")[0]}`)));
    });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: ip, port, timeout: 5000 });
      let data = "";
      socket.on("data", (chunk: Buffer) => {
        data += chunk.toString();
      });
      socket.once("end", () => resolve(data));
      socket.once("timeout", () => socket.destroy(new Error("connect timed out")));
      socket.once("error", (error) => reject(fail(`connect to ${ip}:${port}: ${error.message}`)));
    });
    if (reply !== "quiesce-pods-ok") throw fail(`unexpected reply ${JSON.stringify(reply)}`);
  } finally {
    clearTimeout(timer);
    server.stdin.end();
  }
}

function findExecutable(name: string): string | undefined {
  // Root's PATH usually has the sbin directories, but a sudo'd or minimal environment may not.
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const dir of dirs.filter((d) => d !== "")) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
