// Hands out unique loopback pod IPs 127.1.x.y (y in 1..254), cycling so a released IP is not reused at once.
import { createServer } from "node:net";

const HOSTS_PER_BLOCK = 254;
const BLOCKS = 256;
export const POOL_SIZE = HOSTS_PER_BLOCK * BLOCKS;

export function ipAt(index: number): string {
  const i = ((index % POOL_SIZE) + POOL_SIZE) % POOL_SIZE;
  return `127.1.${Math.floor(i / HOSTS_PER_BLOCK)}.${(i % HOSTS_PER_BLOCK) + 1}`;
}

export type BindCheck = (ip: string, ports: readonly number[]) => Promise<boolean>;

export class IpPool {
  readonly #inUse = new Set<string>();
  #next: number;
  readonly #canBind: BindCheck;

  /** `start` lets several agents on one machine begin at different places in the pool. */
  constructor(options: { start?: number; canBind?: BindCheck } = {}) {
    this.#next = options.start ?? Math.floor(Math.random() * POOL_SIZE);
    this.#canBind = options.canBind ?? canBindAll;
  }

  async allocate(ports: readonly number[]): Promise<string> {
    for (let tried = 0; tried < POOL_SIZE; tried++) {
      const ip = ipAt(this.#next++);
      if (this.#inUse.has(ip)) continue;
      this.#inUse.add(ip); // reserve before the async check so concurrent allocations never share an IP
      if (await this.#canBind(ip, ports)) return ip;
      this.#inUse.delete(ip);
    }
    throw new Error("node-agent: loopback pod IP pool 127.1.0.0/16 exhausted");
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
