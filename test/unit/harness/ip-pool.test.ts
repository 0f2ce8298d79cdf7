import { describe, expect, it } from "vitest";
import { IpPool, ipAt, POOL_SIZE, prefixOf } from "../../harness/node-agent/ip-pool.ts";

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
  it("hands out distinct IPs", () => {
    const pool = new IpPool({ cidr: "127.1.0.0/16", start: 0 });
    const ips = Array.from({ length: 600 }, () => pool.allocate());
    expect(new Set(ips).size).toBe(600);
  });

  it("does not reuse a released IP straight away", () => {
    const pool = new IpPool({ cidr: "127.1.0.0/16", start: 0 });
    const first = pool.allocate();
    pool.release(first);
    expect(pool.allocate()).not.toBe(first);
  });

  it("skips IPs still in use when it wraps around", () => {
    const pool = new IpPool({ cidr: "127.1.0.0/16", start: POOL_SIZE - 1 });
    expect(pool.allocate()).toBe("127.1.255.254");
    expect(pool.allocate()).toBe("127.1.0.1");
    for (let i = 2; i < POOL_SIZE; i++) pool.allocate();
    pool.release("127.1.0.1");
    expect(pool.allocate()).toBe("127.1.0.1");
    expect(() => pool.allocate()).toThrow(/exhausted/);
  });

  it("starts at a random place so agents sharing the namespace rarely collide", () => {
    expect(new IpPool({ cidr: "198.18.0.0/16", random: () => 0 }).allocate()).toBe("198.18.0.1");
    expect(new IpPool({ cidr: "198.18.0.0/16", random: () => 0.5 }).allocate()).toBe(
      ipAt(POOL_SIZE / 2, "198.18"),
    );
    expect(new IpPool({ cidr: "198.18.0.0/16", random: () => 0.999_999_9 }).allocate()).toBe(
      "198.18.255.254",
    );
  });
});
