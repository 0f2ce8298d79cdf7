// Pure: how a process was scheduled over a window (its main thread on a CPU and waiting for one, the machine's
// load) and the CPU seconds of each process, from readings of /proc the scale bench takes.
/** One process's CPU ticks (1/100 s, user and system) so far, and its name for the table. */
export interface ProcessTicks {
  name: string;
  ticks: number;
}

export interface Sample {
  at: number;
  /** Main thread: ns on a CPU, ns runnable but waiting for one (proc(5), schedstat). */
  runNs: number;
  waitNs: number;
  /** Machine: jiffies busy and in all (first line of /proc/stat). */
  busy: number;
  total: number;
}

export interface SchedSummary {
  seconds: number;
  /** Share of one core the main thread ran, and waited runnable, over the whole window. */
  mainThreadRunPercent: number;
  mainThreadWaitPercent: number;
  machineBusyPercent: number;
  /**
   * The 1-s stretch (or the gap between two samples, when the sampler itself waited longer) in which the main
   * thread waited longest for a CPU, and what it and the machine did then.
   */
  worstSecond: {
    atSeconds: number;
    spanMs: number;
    waitMs: number;
    runMs: number;
    machineBusyPercent: number;
  };
}

/** Pure: totals and the worst 1-s stretch of a series of samples (at least two). */
export function summarizeSched(samples: readonly Sample[]): SchedSummary | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || samples.length < 2) return undefined;
  const ms = last.at - first.at;
  const pct = (part: number, whole: number) => Number(((100 * part) / Math.max(1, whole)).toFixed(1));
  let worst = { atSeconds: 0, spanMs: 0, waitMs: 0, runMs: 0, machineBusyPercent: 0 };
  let j = 0;
  for (let i = 1; i < samples.length; i++) {
    const end = samples[i] as Sample;
    while (j < i - 1 && end.at - (samples[j] as Sample).at > 1000) j++;
    const start = samples[j] as Sample;
    const waitMs = (end.waitNs - start.waitNs) / 1e6;
    if (waitMs > worst.waitMs) {
      worst = {
        atSeconds: Number(((start.at - first.at) / 1000).toFixed(1)),
        spanMs: Math.round(end.at - start.at),
        waitMs: Math.round(waitMs),
        runMs: Math.round((end.runNs - start.runNs) / 1e6),
        machineBusyPercent: pct(end.busy - start.busy, end.total - start.total),
      };
    }
  }
  return {
    seconds: Number((ms / 1000).toFixed(1)),
    mainThreadRunPercent: pct((last.runNs - first.runNs) / 1e6, ms),
    mainThreadWaitPercent: pct((last.waitNs - first.waitNs) / 1e6, ms),
    machineBusyPercent: pct(last.busy - first.busy, last.total - first.total),
    worstSecond: worst,
  };
}

/** Pure: CPU seconds per process name between two readings, the `top` busiest. */
export function cpuSecondsBetween(
  before: ReadonlyMap<number, ProcessTicks>,
  after: ReadonlyMap<number, ProcessTicks>,
  top = 8,
): Record<string, number> {
  const byName = new Map<string, number>();
  for (const [pid, p] of after) {
    const used = p.ticks - (before.get(pid)?.ticks ?? 0);
    if (used > 0) byName.set(p.name, (byName.get(p.name) ?? 0) + used);
  }
  return Object.fromEntries(
    [...byName]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ticks]) => [name, Number((ticks / 100).toFixed(1))]),
  );
}
