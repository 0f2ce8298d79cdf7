// A real SIGKILL of a pod's container process, sent on its node (a kind or k3s node is a Docker container): no
// SIGTERM, no grace period, no deletion; the kubelet sees the container die and restarts it.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { nameOf } from "../../scenarios/workloads.ts";

const DOCKER = process.env.QUIESCE_DOCKER ?? "docker";

async function run(args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(DOCKER, args, { timeout: 30_000 });
    return stdout.trim();
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`e2e: ${DOCKER} ${args.join(" ")} failed: ${e.stderr || e.message}`);
  }
}

/** The Docker container that is the Kubernetes node `node` (its hostname is the node name). */
async function nodeContainer(node: string): Promise<string> {
  const ids = (await run(["ps", "-q"])).split("\n").filter(Boolean);
  for (const id of ids) {
    if ((await run(["inspect", "-f", "{{.Config.Hostname}}", id])) === node) return id;
  }
  throw new Error(`e2e: no running Docker container is node ${node} (containers: ${ids.join(", ")})`);
}

/** The host PID (in the node's PID namespace) of `container` in `pod`, from the node's CRI (crictl). */
async function containerPid(nodeId: string, pod: V1Pod, container: string): Promise<number> {
  const crictl = (...args: string[]) => run(["exec", nodeId, "crictl", ...args]);
  const sandbox = await crictl(
    "pods",
    "--state",
    "ready",
    "--namespace",
    pod.metadata?.namespace ?? "",
    "--name",
    `^${nameOf(pod)}$`,
    "-q",
  );
  if (!sandbox || sandbox.includes("\n"))
    throw new Error(`e2e: pod ${nameOf(pod)}: sandboxes "${sandbox}" on the node`);
  const id = await crictl("ps", "--pod", sandbox, "--name", `^${container}$`, "--state", "running", "-q");
  if (!id || id.includes("\n"))
    throw new Error(`e2e: pod ${nameOf(pod)}: running ${container} containers "${id}"`);
  const pid = Number(await crictl("inspect", "--output", "go-template", "--template", "{{.info.pid}}", id));
  if (!Number.isInteger(pid) || pid <= 1)
    throw new Error(`e2e: pod ${nameOf(pod)}: container ${id} has pid ${pid}`);
  return pid;
}

/** SIGKILLs the container's main process; resolves with when the signal was sent (between the two instants). */
export async function sigkillContainer(pod: V1Pod, container: string): Promise<{ from: number; to: number }> {
  const node = pod.spec?.nodeName;
  if (!node) throw new Error(`e2e: pod ${nameOf(pod)} is not scheduled`);
  const nodeId = await nodeContainer(node);
  const pid = await containerPid(nodeId, pod, container);
  const from = Date.now();
  await run(["exec", nodeId, "kill", "-9", String(pid)]);
  return { from, to: Date.now() };
}
