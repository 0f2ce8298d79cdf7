import { describe, expect, it } from "vitest";
import { listAllPages, type Page, type PageQuery } from "../../../operator/kube/paged-list.ts";

/** A collection served in pages, its continue token the next offset; `expireAt` makes that token 410. */
function pagedServer(total: number, options: { expireAt?: number } = {}) {
  const queries: PageQuery[] = [];
  const all = Array.from({ length: total }, (_, i) => ({ n: i, payload: "x".repeat(10) }));
  const fetchPage = async (q: PageQuery): Promise<Page<{ n: number; payload: string }>> => {
    queries.push(q);
    const from = q._continue === undefined ? 0 : Number(q._continue);
    if (options.expireAt !== undefined && from === options.expireAt) {
      throw Object.assign(new Error("continue token expired"), { code: 410 });
    }
    const to = q.limit === undefined ? total : Math.min(total, from + q.limit);
    return {
      items: all.slice(from, to),
      metadata: { resourceVersion: `rv-${queries.length}`, _continue: to < total ? String(to) : "" },
    };
  };
  return { fetchPage, queries };
}

describe("listAllPages", () => {
  it("fetches every page with the page size and keeps the first page's resourceVersion", async () => {
    const server = pagedServer(1234);
    const result = await listAllPages(server.fetchPage, (o) => o.n, 500);
    expect(result.items).toEqual(Array.from({ length: 1234 }, (_, i) => i));
    expect(result.resourceVersion).toBe("rv-1");
    expect(server.queries).toEqual([
      { limit: 500 },
      { limit: 500, _continue: "500" },
      { limit: 500, _continue: "1000" },
    ]);
  });

  it("trims each item as its page arrives", async () => {
    const server = pagedServer(3);
    const result = await listAllPages(server.fetchPage, (o) => ({ n: o.n }), 2);
    expect(result.items).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it("falls back to one unpaged list when a continue token expired", async () => {
    const server = pagedServer(7, { expireAt: 3 });
    const result = await listAllPages(server.fetchPage, (o) => o.n, 3);
    expect(result.items).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(server.queries.at(-1)).toEqual({});
    expect(result.resourceVersion).toBe("rv-3");
  });

  it("passes on other errors, and a 410 on the first page", async () => {
    const failing = async (): Promise<Page<number>> => {
      throw Object.assign(new Error("Gone"), { code: 410 });
    };
    await expect(listAllPages(failing, (n) => n)).rejects.toThrow("Gone");
    const server = pagedServer(10, { expireAt: 0 });
    await expect(listAllPages(server.fetchPage, (o) => o.n, 4)).rejects.toThrow("continue token expired");
  });
});
