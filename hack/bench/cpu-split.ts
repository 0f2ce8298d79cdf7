// The scale bench's CPU priorities: the processes that stand in for other machines yield the two cores to the
// operator, as they would if they ran elsewhere. The node agent's kubelets (in the bench process) and the light
// host's apps stand for the nodes; the control plane for a managed cluster's control-plane nodes.
import { readdir, readFile } from "node:fs/promises";
import { setPriority } from "node:os";
import { statFields } from "../../test/harness/operator-process.ts";

/** Every process descending from `root` (not `root`), from the parent pids in /proc. */
export async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const ppid = Number(statFields(stat)[1]);
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

/**
 * Sets the nice value of every thread of `pid` (Linux's setpriority names one thread: a Go server's other threads
 * would keep theirs); threads started later inherit it. Returns false when the process is gone.
 */
export async function reniceProcess(pid: number, nice: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const tid of tasks) {
    try {
      setPriority(Number(tid), nice);
    } catch {
      // the thread ended meanwhile
    }
  }
  return tasks.length > 0;
}

/**
 * The operator first: this process and `harness` (the light host) at `harnessNice`, every other process this bench
 * started (etcd, the API server, the controllers) at `controlPlaneNice`, the operator left at 0.
 */
export async function operatorFirst(options: {
  operatorPid: number;
  harness: readonly number[];
  harnessNice: number;
  controlPlaneNice: number;
}): Promise<{ controlPlane: number }> {
  const { operatorPid, harnessNice, controlPlaneNice } = options;
  const harness = new Set([process.pid, ...options.harness]);
  let controlPlane = 0;
  for (const pid of await descendants(process.pid)) {
    if (pid === operatorPid || harness.has(pid)) continue;
    if (await reniceProcess(pid, controlPlaneNice)) controlPlane++;
  }
  for (const pid of harness) await reniceProcess(pid, harnessNice);
  return { controlPlane };
}
