// Samples how the operator's main thread is scheduled (its CPU time and its wait on a run queue, /proc schedstat) and
// how busy the machine is (/proc/stat), to tell an event loop busy with its own work from one starved of a core.
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { statFields } from "../../test/harness/operator-process.ts";
import {
  type ProcessTicks,
  type Sample,
  type SchedSummary,
  summarizeSched,
} from "../../test/harness/report/scheduling.ts";

/** Both files at one instant (synchronous reads of a few hundred bytes): a late callback would skew the window. */
function sample(pid: number): Sample {
  const sched = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8");
  const stat = readFileSync("/proc/stat", "utf8");
  const [runNs = 0, waitNs = 0] = sched.trim().split(/\s+/).map(Number);
  // cpu  user nice system idle iowait irq softirq steal ...
  const cpu = (stat.split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
  return { at: performance.now(), runNs, waitNs, busy: total - idle, total };
}

/** Samples every `everyMs` until stopped; `stop()` resolves with the summary (undefined without /proc). */
export function startSchedSampler(pid: number, everyMs = 100): { stop(): Promise<SchedSummary | undefined> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        samples.push(sample(pid));
      } catch {
        // the process ended
      }
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
export async function cpuTicksByProcess(): Promise<Map<number, ProcessTicks>> {
  const out = new Map<number, ProcessTicks>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [stat, cmdline] = await Promise.all([
        readFile(`/proc/${entry}/stat`, "utf8"),
        readFile(`/proc/${entry}/cmdline`, "utf8"),
      ]);
      const fields = statFields(stat);
      out.set(Number(entry), { name: processName(cmdline), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
