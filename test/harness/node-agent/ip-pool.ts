// Hands out unique pod IPs P.Q.x.y from a locally routed /16 (y in 1..254), cycling so a released IP is not reused.
import { createServer } from "node:net";

const HOSTS_PER_BLOCK = 254;
const BLOCKS = 256;
export const POOL_SIZE = HOSTS_PER_BLOCK * BLOCKS;

/** `prefix` is the first two octets of the /16, e.g. "198.18". */
export function ipAt(index: number, prefix: string): string {
  const i = ((index % POOL_SIZE) + POOL_SIZE) % POOL_SIZE;
  return `${prefix}.${Math.floor(i / HOSTS_PER_BLOCK)}.${(i % HOSTS_PER_BLOCK) + 1}`;
}

/** "198.18.0.0/16" -> "198.18"; only /16 ranges are supported. */
export function prefixOf(cidr: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  if (!m) throw new Error(`node-agent: pod CIDR must be an a.b.0.0/16 range, got "${cidr}"`);
  return `${m[1]}.${m[2]}`;
}

export type BindCheck = (ip: string, ports: readonly number[]) => Promise<boolean>;

export class IpPool {
  readonly #inUse = new Set<string>();
  #next: number;
  readonly #canBind: BindCheck;
  readonly #prefix: string;

  /** `start` lets several agents on one machine begin at different places in the pool. */
  constructor(options: { cidr: string; start?: number; canBind?: BindCheck }) {
    this.#prefix = prefixOf(options.cidr);
    this.#next = options.start ?? Math.floor(Math.random() * POOL_SIZE);
    this.#canBind = options.canBind ?? canBindAll;
  }

  async allocate(ports: readonly number[]): Promise<string> {
    for (let tried = 0; tried < POOL_SIZE; tried++) {
      const ip = ipAt(this.#next++, this.#prefix);
      if (this.#inUse.has(ip)) continue;
      this.#inUse.add(ip); // reserve before the async check so concurrent allocations never share an IP
      if (await this.#canBind(ip, ports)) return ip;
      this.#inUse.delete(ip);
    }
    throw new Error(`node-agent: pod IP pool ${this.#prefix}.0.0/16 exhausted`);
  }

  release(ip: string): void {
    this.#inUse.delete(ip);
  }

  get allocated(): ReadonlySet<string> {
    return this.#inUse;
  }
}

/** True when every port (or an ephemeral one, if none are declared) can be bound on ip right now. */
export async function canBindAll(ip: string, ports: readonly number[]): Promise<boolean> {
  for (const port of ports.length > 0 ? ports : [0]) {
    if (!(await canBind(ip, port))) return false;
  }
  return true;
}

function canBind(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: ip, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
