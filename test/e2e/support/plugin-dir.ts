// A PATH directory holding kubectl-quiesce (linked to the plugin's entry point) and the project's Node 24.
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export async function pluginDir(): Promise<string> {
  const dir = join(inject("clusterDir"), `plugin-bin-${process.pid}`);
  await mkdir(dir, { recursive: true });
  await link(join(ROOT, "operator", "cli", "kubectl-quiesce.ts"), join(dir, "kubectl-quiesce"));
  await link(join(ROOT, "node_modules", ".bin", "node"), join(dir, "node"));
  return dir;
}

/** A symlink made once: test files share the directory, so a second caller finds it there. */
async function link(target: string, path: string): Promise<void> {
  await symlink(target, path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
}
