// `make build`: bundles the operator (operator/cli/main.ts) into one ES module, dist/operator-bundle/main.mjs, which
// the image runs. One tree-shaken, minified file instead of ~900 modules under node_modules: ~40 MB less RSS per
// replica before the first object is cached (docs/benchmarks.md#scale-make-bench-scale).
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const OUT_DIR = join(ROOT, "dist", "operator-bundle");

/**
 * CommonJS dependencies bundled into an ES module still call require() for Node's built-ins and read __dirname.
 * Node emits DEP0040 (punycode) only for callers outside node_modules, which every bundled dependency now is.
 */
const BANNER = [
  'import { createRequire as __quiesceCreateRequire } from "node:module";',
  'import { fileURLToPath as __quiesceFileURLToPath } from "node:url";',
  "const require = __quiesceCreateRequire(import.meta.url);",
  "const __filename = __quiesceFileURLToPath(import.meta.url);",
  'const __dirname = __filename.slice(0, __filename.lastIndexOf("/"));',
  "{",
  "  const emit = process.emitWarning;",
  "  process.emitWarning = function (warning, ...rest) {",
  '    const code = typeof rest[0] === "object" && rest[0] !== null ? rest[0].code : rest[1];',
  '    if (code === "DEP0040") return;',
  "    return emit.call(this, warning, ...rest);",
  "  };",
  "}",
].join("\n");

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ["operator/cli/main.ts"],
  outfile: join(OUT_DIR, "main.mjs"),
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  // Whitespace and syntax only: identifiers keep their names, so stack traces stay readable without a source map.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  // For debugging: NODE_OPTIONS=--enable-source-maps maps stack traces back to operator/ (not on by default:
  // Node then parses the map at load, ~10 MB of heap).
  sourcemap: "external",
  legalComments: "eof",
  // ws's optional native add-ons: it falls back to JavaScript without them.
  external: ["bufferutil", "utf-8-validate"],
  banner: { js: BANNER },
  logLevel: "warning",
});
if (result.errors.length > 0) process.exit(1);
console.log(`bundle: ${join("dist", "operator-bundle", "main.mjs")}`);
