// Whether a plugin build is up to date: the sha256 of every file that went into it, kept beside the executable.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const stampSchema = z.object({ files: z.record(z.string(), z.string()), extra: z.string() });
export type Stamp = z.infer<typeof stampSchema>;

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** The stamp of `files` (repository paths) and `extra` (what else decides the output: version, Node, options). */
export function stampOf(root: string, files: readonly string[], extra: string): Stamp {
  return { files: Object.fromEntries([...files].sort().map((f) => [f, sha(join(root, f))])), extra };
}

/** Identity of a large file (the Node binary) without hashing its 120 MB. */
export function fileIdentity(path: string): string {
  const s = statSync(path);
  return `${path}:${s.size}:${s.mtimeMs}`;
}

/** True when the stamp at `path` names files that all still hash the same, with the same `extra`. */
export function upToDate(root: string, path: string, extra: string): boolean {
  if (!existsSync(path)) return false;
  const parsed = stampSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success || parsed.data.extra !== extra) return false;
  return Object.entries(parsed.data.files).every(
    ([f, hash]) => existsSync(join(root, f)) && sha(join(root, f)) === hash,
  );
}
