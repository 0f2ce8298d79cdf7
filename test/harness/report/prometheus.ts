// Pure: reads counters and histograms from Prometheus text exposition, diffs them, and estimates quantiles.
export type Labels = Record<string, string>;

interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Labels = {};
    for (const l of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] ?? ""] = l[2] ?? "";
    }
    out.push({ name: m[1] ?? "", labels, value: Number(m[4]) });
  }
  return out;
}

const matches = (labels: Labels, filter: Labels) => Object.entries(filter).every(([k, v]) => labels[k] === v);

/** Sum of a counter's series (optionally only those with the given labels). */
export function counterSum(text: string, name: string, filter: Labels = {}): number {
  return parseSamples(text)
    .filter((s) => s.name === name && matches(s.labels, filter))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Cumulative bucket counts of a histogram, summed over its label sets (optionally those with the given labels). */
export function histogramBuckets(text: string, name: string, filter: Labels = {}): [number, number][] {
  const byLe = new Map<number, number>();
  for (const s of parseSamples(text)) {
    if (s.name !== `${name}_bucket` || !matches(s.labels, filter)) continue;
    const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + s.value);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]);
}

export function diffBuckets(after: [number, number][], before: [number, number][]): [number, number][] {
  const prior = new Map(before);
  return after.map(([le, n]) => [le, n - (prior.get(le) ?? 0)]);
}

/** Like PromQL histogram_quantile: linear within the bucket; the +Inf bucket answers its lower bound. */
export function histogramQuantile(q: number, buckets: readonly [number, number][]): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      const inBucket = count - prevCount;
      return inBucket === 0 ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}
