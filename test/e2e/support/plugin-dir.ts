// A PATH directory holding kubectl-quiesce (linked to the plugin's entry point) and the project's Node 24.
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { inject } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export async function pluginDir(): Promise<string> {
  const dir = join(inject("clusterDir"), `plugin-bin-${process.pid}`);
  await mkdir(dir, { recursive: true });
  await symlink(join(ROOT, "operator", "cli", "kubectl-quiesce.ts"), join(dir, "kubectl-quiesce")).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    },
  );
  await symlink(join(ROOT, "node_modules", ".bin", "node"), join(dir, "node")).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    },
  );
  return dir;
}
