// Bundles the plugin's entry point with esbuild into one CommonJS script, the form a Node single executable runs.
import { relative } from "node:path";
import { build } from "esbuild";

/**
 * The script runs before the bundle. import.meta.url does not exist in CommonJS: the script's own file URL stands in.
 * Node emits some deprecation warnings only for callers outside node_modules (DEP0040 punycode, DEP0169 url.parse),
 * and in a bundle every dependency is such a caller (client-node's node-fetch, tr46): drop just those two, as Node
 * does for the same code under node_modules.
 */
const BANNER = [
  'var __quiesceImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
  "(() => {",
  "  const emit = process.emitWarning;",
  '  const dependencyOnly = new Set(["DEP0040", "DEP0169"]);',
  "  process.emitWarning = function (warning, ...rest) {",
  '    const code = typeof rest[0] === "object" && rest[0] !== null ? rest[0].code : rest[1];',
  "    if (dependencyOnly.has(code)) return;",
  "    return emit.call(this, warning, ...rest);",
  "  };",
  "})();",
].join("\n");

export interface Bundle {
  /** Repository-relative paths of every file that went into the bundle. */
  inputs: string[];
  warnings: string[];
}

/** Writes `outfile`; `version` replaces QUIESCE_PLUGIN_VERSION (operator/cli/plugin/version.ts). */
export async function bundlePlugin(
  root: string,
  entry: string,
  outfile: string,
  version: string,
): Promise<Bundle> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    target: "node24",
    format: "cjs",
    minify: true,
    legalComments: "eof",
    metafile: true,
    logLevel: "silent",
    define: { QUIESCE_PLUGIN_VERSION: JSON.stringify(version), "import.meta.url": "__quiesceImportMetaUrl" },
    banner: { js: BANNER },
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.includes(":"))
    .map((p) => relative(root, `${root}/${p}`));
  const warnings = result.warnings.map(
    (w) => `${w.location?.file ?? "?"}:${w.location?.line ?? 0}: ${w.text}`,
  );
  return { inputs, warnings };
}
