// Pure: a V8 .cpuprofile (--cpu-prof) cut to a time window, as the functions with the most self and total time.
import { z } from "zod";

export const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({
        functionName: z.string(),
        url: z.string(),
        lineNumber: z.number(),
      }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
export type Profile = z.infer<typeof profileSchema>;

export interface WindowSummary {
  sampledMs: number;
  selfMs: [string, number][];
  totalMs: [string, number][];
}

const frameName = (f: Profile["nodes"][number]["callFrame"]) =>
  `${f.functionName || "(anonymous)"} ${f.url.split("/").at(-1) ?? ""}:${f.lineNumber + 1}`;

/** Pure: self and total (the function anywhere on the stack, counted once per sample) time in [fromMs, toMs). */
export function summarizeWindow(profile: Profile, fromMs: number, toMs: number, top = 30): WindowSummary {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let t = 0;
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    const ms = t / 1000;
    if (ms < fromMs || ms >= toMs) continue;
    const weight = (profile.timeDeltas[i + 1] ?? delta) / 1000;
    sampled += weight;
    const leaf = byId.get(profile.samples[i] ?? -1);
    if (!leaf) continue;
    const name = frameName(leaf.callFrame);
    self.set(name, (self.get(name) ?? 0) + weight);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node) break;
      const n = frameName(node.callFrame);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + weight);
    }
  }
  const topOf = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => [k, Math.round(v)] as [string, number]);
  return { sampledMs: Math.round(sampled), selfMs: topOf(self), totalMs: topOf(total) };
}
