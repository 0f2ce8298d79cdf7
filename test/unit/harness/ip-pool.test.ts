import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { canBindAll, IpPool, ipAt, POOL_SIZE, prefixOf } from "../../harness/node-agent/ip-pool.ts";

const always = async () => true;

describe("ipAt", () => {
  it("stays inside the /16 and never uses .0 or .255 hosts", () => {
    for (const i of [0, 253, 254, 255, 508, POOL_SIZE - 1, POOL_SIZE, -1]) {
      const [a, b, c, d] = ipAt(i, "127.1").split(".").map(Number);
      expect([a, b]).toEqual([127, 1]);
      expect(c).toBeGreaterThanOrEqual(0);
      expect(c).toBeLessThanOrEqual(255);
      expect(d).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThanOrEqual(254);
    }
    expect(ipAt(0, "198.18")).toBe("198.18.0.1");
    expect(ipAt(254, "198.18")).toBe("198.18.1.1");
  });
});

describe("prefixOf", () => {
  it("accepts only /16 ranges", () => {
    expect(prefixOf("198.18.0.0/16")).toBe("198.18");
    expect(() => prefixOf("10.0.0.0/8")).toThrow(/a.b.0.0\/16/);
  });
});

describe("IpPool", () => {
  it("hands out distinct IPs, also to concurrent callers", async () => {
    const pool = new IpPool({ cidr: "127.1.0.0/16", start: 0, canBind: always });
    const ips = await Promise.all(Array.from({ length: 600 }, () => pool.allocate([8080])));
    expect(new Set(ips).size).toBe(600);
  });

  it("does not reuse a released IP straight away", async () => {
    const pool = new IpPool({ cidr: "127.1.0.0/16", start: 0, canBind: always });
    const first = await pool.allocate([]);
    pool.release(first);
    expect(await pool.allocate([])).not.toBe(first);
  });

  it("skips IPs whose ports cannot be bound", async () => {
    const pool = new IpPool({ cidr: "127.1.0.0/16", start: 0, canBind: async (ip) => ip !== "127.1.0.1" });
    expect(await pool.allocate([80])).toBe("127.1.0.2");
  });
});

describe("canBindAll", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("sees a port already taken on that loopback IP", async () => {
    server = createServer();
    await new Promise<void>((resolve) => server!.listen({ host: "127.1.250.7", port: 0 }, resolve));
    const address = server.address();
    if (typeof address !== "object" || !address) throw new Error("no address");
    expect(await canBindAll("127.1.250.7", [address.port])).toBe(false);
    expect(await canBindAll("127.1.250.8", [address.port])).toBe(true);
    expect(await canBindAll("127.1.250.7", [])).toBe(true);
  });
});
