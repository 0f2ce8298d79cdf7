// `kubectl quiesce version`: the plugin's version (package.json's, injected into the bundle at build time) and its Node.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { isSea } from "node:sea";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { renderObject } from "./table.ts";

/** Replaced by hack/build-plugin.ts (esbuild `define`) with package.json's version; absent when run from sources. */
declare const QUIESCE_PLUGIN_VERSION: string | undefined;

export interface VersionInfo {
  pluginVersion: string;
  nodeVersion: string;
  platform: string;
  /** true when running as the single executable (dist/plugin/kubectl-quiesce), false from sources. */
  singleExecutable: boolean;
}

const packageSchema = z.object({ name: z.literal("quiesce-operator"), version: z.string().min(1) });

/** package.json's version, from the nearest quiesce-operator package.json above `from` (the checkout). */
export function packageVersion(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const path = join(dir, "package.json");
    if (existsSync(path)) {
      const parsed = packageSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
      if (parsed.success) return parsed.data.version;
    }
    if (dirname(dir) === dir) throw new Error(`no quiesce-operator package.json above ${from}`);
  }
}

export function versionInfo(): VersionInfo {
  const injected = typeof QUIESCE_PLUGIN_VERSION === "string" ? QUIESCE_PLUGIN_VERSION : undefined;
  const version = injected ?? packageVersion(dirname(fileURLToPath(import.meta.url)));
  return {
    pluginVersion: `v${version}`,
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch}`,
    singleExecutable: isSea(),
  };
}

/** Two lines like `kubectl version`, or the object as JSON/YAML. */
export function renderVersion(info: VersionInfo, format: "table" | "json" | "yaml"): string {
  if (format !== "table") return renderObject(info, format);
  const how = info.singleExecutable ? "single executable" : "from sources";
  return `Plugin Version: ${info.pluginVersion}\nNode Version: ${info.nodeVersion} (${info.platform}, ${how})`;
}
