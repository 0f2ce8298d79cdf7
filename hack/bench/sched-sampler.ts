// Samples how the operator's main thread is scheduled (its CPU time and its wait on a run queue, /proc schedstat) and
// how busy the machine is (/proc/stat), to tell an event loop busy with its own work from one starved of a core.
import { readdir, readFile } from "node:fs/promises";

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
  /** The 1-s stretch in which the main thread waited longest for a CPU, and what it and the machine did then. */
  worstSecond: { atSeconds: number; waitMs: number; runMs: number; machineBusyPercent: number };
}

async function sample(pid: number): Promise<Sample> {
  const [sched, stat] = await Promise.all([
    readFile(`/proc/${pid}/task/${pid}/schedstat`, "utf8"),
    readFile("/proc/stat", "utf8"),
  ]);
  const [runNs = 0, waitNs = 0] = sched.trim().split(/\s+/).map(Number);
  // cpu  user nice system idle iowait irq softirq steal ...
  const cpu = (stat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { at: performance.now(), runNs, waitNs, busy: total - idle, total };
}

/** Pure: totals and the worst 1-s stretch of a series of samples (at least two). */
export function summarizeSched(samples: readonly Sample[]): SchedSummary | undefined {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || samples.length < 2) return undefined;
  const ms = last.at - first.at;
  const pct = (part: number, whole: number) => Number(((100 * part) / Math.max(1, whole)).toFixed(1));
  let worst = { atSeconds: 0, waitMs: 0, runMs: 0, machineBusyPercent: 0 };
  let j = 0;
  for (let i = 1; i < samples.length; i++) {
    const end = samples[i] as Sample;
    while (j < i && end.at - (samples[j] as Sample).at > 1000) j++;
    const start = samples[j] as Sample;
    const waitMs = (end.waitNs - start.waitNs) / 1e6;
    if (waitMs > worst.waitMs) {
      worst = {
        atSeconds: Number(((start.at - first.at) / 1000).toFixed(1)),
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

/** Samples every `everyMs` until stopped; `stop()` resolves with the summary (undefined without /proc). */
export function startSchedSampler(pid: number, everyMs = 100): { stop(): Promise<SchedSummary | undefined> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample(pid).then(
        (s) => samples.push(s),
        () => undefined,
      );
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return summarizeSched(samples);
    },
  };
}

/** A process's name for the CPU table: its program, and for node the script it runs. */
function processName(cmdline: string): string {
  const argv = cmdline.split("\0").filter(Boolean);
  const base = (s: string) => s.split("/").at(-1) ?? s;
  const program = base(argv[0] ?? "?");
  if (!/^(node|tsx)$/.test(program)) return program;
  const script = argv.slice(1).find((a) => /\.(m?[jt]s)$/.test(a));
  return script ? `node ${base(script)}` : program;
}

/** CPU ticks (1/100 s) used so far by every process, keyed by pid. */
export async function cpuTicksByProcess(): Promise<Map<number, { name: string; ticks: number }>> {
  const out = new Map<number, { name: string; ticks: number }>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [stat, cmdline] = await Promise.all([
        readFile(`/proc/${entry}/stat`, "utf8"),
        readFile(`/proc/${entry}/cmdline`, "utf8"),
      ]);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime are fields 14 and 15 of stat(5), here 11 and 12 after "pid (comm)".
      out.set(Number(entry), { name: processName(cmdline), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** Pure: CPU seconds per process name between two readings, the `top` busiest. */
export function cpuSecondsBetween(
  before: ReadonlyMap<number, { name: string; ticks: number }>,
  after: ReadonlyMap<number, { name: string; ticks: number }>,
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
