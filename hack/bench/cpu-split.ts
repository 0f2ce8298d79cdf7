// Gives the operator cores of its own for the scale bench: every other process this bench started (control plane,
// node agent, light host) runs on CPU 0, the operator on the rest, as in a cluster whose control plane has its
// own nodes and whose operator pod runs on a node with CPU to spare.
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Every process descending from `root` (not `root`), from the parent pids in /proc. */
async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isFinite(ppid)) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const pending = [...(children.get(root) ?? [])];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    out.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** taskset on every thread of `pid`; a process that ended meanwhile is skipped. */
async function pin(pid: number, cpus: string): Promise<boolean> {
  return run("taskset", ["-a", "-p", "-c", cpus, String(pid)]).then(
    () => true,
    () => false,
  );
}

/** Pins this process and its other descendants to CPU 0 and the operator to CPUs 1..n-1; needs 2 cores or more. */
export async function giveOperatorItsOwnCores(
  operatorPid: number,
): Promise<{ operatorCpus: string; pinned: number }> {
  const cpus = availableParallelism();
  if (cpus < 2) throw new Error(`the operator cannot have a core of its own on ${cpus} CPU`);
  const operatorCpus = cpus === 2 ? "1" : `1-${cpus - 1}`;
  const others = (await descendants(process.pid)).filter((pid) => pid !== operatorPid);
  let pinned = 0;
  for (const pid of [process.pid, ...others]) if (await pin(pid, "0")) pinned++;
  if (!(await pin(operatorPid, operatorCpus)))
    throw new Error(`could not pin the operator (pid ${operatorPid})`);
  return { operatorCpus, pinned };
}
