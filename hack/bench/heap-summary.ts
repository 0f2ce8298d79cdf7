// Summarises a V8 .heapsnapshot: retained-by-nobody-in-particular "self size" per node type and per constructor,
// the breakdown `make bench-scale` reports for "where does the operator's memory go".
import { readFile } from "node:fs/promises";
import { z } from "zod";

const snapshotSchema = z.object({
  snapshot: z.object({
    meta: z.object({
      node_fields: z.array(z.string()),
      node_types: z.array(z.unknown()),
    }),
  }),
  nodes: z.array(z.number()),
  strings: z.array(z.string()),
});

export interface HeapSummary {
  totalMB: number;
  nodes: number;
  /** Self size per V8 node type (object, string, code, closure, array, hidden, ...), MB. */
  byType: Record<string, number>;
  /** The largest constructors / string kinds by self size: name, count, MB. */
  top: { name: string; count: number; mb: number }[];
}

const mb = (bytes: number) => Number((bytes / 2 ** 20).toFixed(2));

export function summarizeHeap(raw: unknown, topN = 25): HeapSummary {
  const snap = snapshotSchema.parse(raw);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  if (!Array.isArray(types)) throw new Error("heap snapshot: node_types[0] is not the list of node types");
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  if (typeAt < 0 || nameAt < 0 || sizeAt < 0)
    throw new Error(`heap snapshot: unexpected node_fields ${fields}`);
  const byType = new Map<string, number>();
  const byName = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = String(types[snap.nodes[i + typeAt] ?? 0]);
    const size = snap.nodes[i + sizeAt] ?? 0;
    total += size;
    byType.set(type, (byType.get(type) ?? 0) + size);
    // Objects, closures and native nodes by their constructor; strings, code and arrays by their type.
    const named = type === "object" || type === "closure" || type === "native";
    const name = named ? `${type}:${snap.strings[snap.nodes[i + nameAt] ?? 0] ?? "?"}` : type;
    const entry = byName.get(name) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += size;
    byName.set(name, entry);
  }
  return {
    totalMB: mb(total),
    nodes: snap.nodes.length / width,
    byType: Object.fromEntries([...byType].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mb(v)])),
    top: [...byName]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .slice(0, topN)
      .map(([name, e]) => ({ name, count: e.count, mb: mb(e.bytes) })),
  };
}

export async function summarizeHeapFile(path: string, topN?: number): Promise<HeapSummary> {
  return summarizeHeap(JSON.parse(await readFile(path, "utf8")), topN);
}

if (import.meta.main) {
  const path = process.argv[2];
  if (!path) throw new Error("usage: node hack/bench/heap-summary.ts FILE.heapsnapshot");
  console.log(JSON.stringify(await summarizeHeapFile(path), null, 2));
}
