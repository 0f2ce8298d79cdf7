// Locates the cached control-plane binaries built by hack/build-control-plane.sh, building them if missing.
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const script = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "..",
  "hack",
  "build-control-plane.sh",
);

export interface Binaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
}

export async function locateBinaries(options: { build: boolean }): Promise<Binaries> {
  const args = options.build ? [] : ["--print-dir"];
  let dir: string;
  try {
    dir =
      (await run("bash", [script, ...args], { maxBuffer: 1 << 24 })).stdout.trim().split("\n").pop() ?? "";
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`building the control plane failed: ${stderr.trim().split("\n").slice(-5).join(" | ")}`);
  }
  const binaries: Binaries = {
    etcd: join(dir, "etcd"),
    apiserver: join(dir, "kube-apiserver"),
    controllerManager: join(dir, "kube-controller-manager"),
    scheduler: join(dir, "kube-scheduler"),
  };
  for (const file of Object.values(binaries)) {
    try {
      await access(file, constants.X_OK);
    } catch {
      throw new Error(
        `control-plane binary missing: ${file}; build it with: bash hack/build-control-plane.sh`,
      );
    }
  }
  return binaries;
}
