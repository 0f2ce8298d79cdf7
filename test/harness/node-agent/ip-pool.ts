// Hands out unique pod IPs P.Q.x.y from the pod /16 (y in 1..254), cycling so a released IP is not reused soon.
// No bind check: the range is local inside the pod network namespace, so every address can be bound there.
// Agents share that namespace (`make cluster-up` next to a test run), so each starts at a random place in the
// pool: two agents handing out n IPs each overlap with probability about 2n/65024 (under 0.2% for 50 pods each).

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

export class IpPool {
  readonly #inUse = new Set<string>();
  #next: number;
  readonly #prefix: string;

  /** Starts at `start`, or at a random index (`random` in [0, 1), default Math.random). */
  constructor(options: { cidr: string; start?: number; random?: () => number }) {
    this.#prefix = prefixOf(options.cidr);
    this.#next = options.start ?? Math.floor((options.random ?? Math.random)() * POOL_SIZE);
  }

  allocate(): string {
    for (let tried = 0; tried < POOL_SIZE; tried++) {
      const ip = ipAt(this.#next++, this.#prefix);
      if (this.#inUse.has(ip)) continue;
      this.#inUse.add(ip);
      return ip;
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
