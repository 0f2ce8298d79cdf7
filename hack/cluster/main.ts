// `cluster up|down|serve`: runs the local control plane (and node agent) in the background for make cluster-up.
import { spawn } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { z } from "zod";
import { startEnvironment } from "../../test/harness/environment.ts";
import { waitFor } from "../../test/harness/wait-for.ts";

const Flags = z.object({
  dir: z.string().min(1),
  nodes: z.coerce.number().int().min(0).max(20),
  timeout: z.coerce.number().int().positive(),
});

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function readPid(file: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(file, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True once `check` holds, false when `timeoutMs` passes first. */
const holdsWithin = (check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) =>
  waitFor(check, { timeoutMs, what, intervalMs: 200 }).then(
    () => true,
    () => false,
  );

async function serve(dir: string, nodes: number): Promise<void> {
  try {
    // No CRDs: a cluster-up user installs what they test (kubectl apply -f crds/, or the chart).
    const lab = await startEnvironment({ dir: join(dir, "run"), clean: true, nodes, crds: false });
    await copyFile(lab.kubeconfigPath, join(dir, "kubeconfig"));
    await writeFile(join(dir, "ready"), `${lab.plane.server}\n`);
    const shutdown = async () => {
      await lab.stop();
      await rm(join(dir, "ready"), { force: true });
      process.exit(0);
    };
    process.once("SIGTERM", () => void shutdown());
    process.once("SIGINT", () => void shutdown());
  } catch (error) {
    await writeFile(join(dir, "error"), error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}

async function up(dir: string, nodes: number, timeoutMs: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pidFile = join(dir, "serve.pid");
  const old = await readPid(pidFile);
  if (old !== undefined && pidAlive(old) && existsSync(join(dir, "ready"))) {
    console.log(`cluster already running (pid ${old})\nexport KUBECONFIG=${join(dir, "kubeconfig")}`);
    return;
  }
  if (old !== undefined && pidAlive(old)) await down(dir);
  await rm(join(dir, "error"), { force: true });
  await rm(join(dir, "ready"), { force: true });
  const out = openSync(join(dir, "serve.log"), "a");
  const child = spawn(
    process.execPath,
    [process.argv[1] ?? "", "serve", "--dir", dir, "--nodes", String(nodes)],
    {
      detached: true,
      stdio: ["ignore", out, out],
    },
  );
  closeSync(out);
  child.unref();
  await writeFile(pidFile, `${child.pid}\n`);
  const finished = await holdsWithin(
    () => existsSync(join(dir, "ready")) || existsSync(join(dir, "error")),
    timeoutMs,
    "the cluster to be ready",
  );
  if (existsSync(join(dir, "ready"))) {
    console.log(`export KUBECONFIG=${join(dir, "kubeconfig")}`);
    return;
  }
  const why = finished ? await readFile(join(dir, "error"), "utf8") : `not ready after ${timeoutMs} ms`;
  await down(dir);
  console.error(`cluster-up failed: ${why}\n(logs: ${join(dir, "run", "logs")}, ${join(dir, "serve.log")})`);
  process.exit(1);
}

async function down(dir: string): Promise<void> {
  const pid = await readPid(join(dir, "serve.pid"));
  if (pid !== undefined && pidAlive(pid)) {
    process.kill(pid, "SIGTERM");
    if (!(await holdsWithin(() => !pidAlive(pid), 30_000, "the cluster to stop")))
      process.kill(pid, "SIGKILL");
  }
  // Whatever outlived its supervisor (a SIGKILLed serve) is found through the pid list.
  try {
    const lines = (await readFile(join(dir, "run", "pids"), "utf8")).trim().split("\n");
    for (const line of lines) {
      const child = Number.parseInt(line.split(" ")[1] ?? "", 10);
      if (Number.isInteger(child) && pidAlive(child)) process.kill(child, "SIGKILL");
    }
  } catch {
    // nothing was started
  }
  await rm(join(dir, "serve.pid"), { force: true });
  await rm(join(dir, "ready"), { force: true });
}

const program = new Command("cluster").description("local Kubernetes control plane for quiesce-operator");
const common = (cmd: Command) =>
  cmd
    .option("--dir <dir>", "state directory", ".cluster")
    .option("--nodes <n>", "local nodes to register", "2")
    .option("--timeout <ms>", "start-up timeout", "600000");
common(program.command("up").description("start in the background and print the KUBECONFIG export")).action(
  async (raw) => {
    const f = Flags.parse(raw);
    await up(resolve(f.dir), f.nodes, f.timeout);
  },
);
common(program.command("down").description("stop everything `up` started")).action(async (raw) => {
  await down(resolve(Flags.parse(raw).dir));
});
common(program.command("serve").description("run in the foreground (used by `up`)")).action(async (raw) => {
  const f = Flags.parse(raw);
  await serve(resolve(f.dir), f.nodes);
});
await program.parseAsync();
