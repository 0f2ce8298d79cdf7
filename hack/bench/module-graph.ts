// What the operator's code costs before it caches anything: RSS and V8 heap of a fresh Node after importing
// (nothing | the client library | the compiled operator modules | the one-file bundle the image runs).
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const NODE = join(REPO, "node_modules", ".bin", "node");

const usageSchema = z.object({
  rss: z.number(),
  heapUsed: z.number(),
  heapTotal: z.number(),
  external: z.number(),
});
export interface ModuleGraphCost {
  what: string;
  rssMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
}

/** Imports `specifier` in a fresh process (argv: `--help`, process.exit stubbed, so a CLI entry just loads). */
async function measure(
  what: string,
  specifier: string | undefined,
  nodeArgs: readonly string[],
): Promise<ModuleGraphCost> {
  const load =
    specifier === undefined ? "" : `process.exit = () => {}; await import(${JSON.stringify(specifier)});`;
  const script = `${load} globalThis.gc(); await new Promise((r) => setTimeout(r, 300)); globalThis.gc();
    process.stdout.write("\\n" + JSON.stringify(process.memoryUsage()));`;
  const { stdout } = await promisify(execFile)(
    NODE,
    [...nodeArgs, "--expose-gc", "--no-deprecation", "--input-type=module", "-e", script, "--", "--help"],
    { cwd: REPO, maxBuffer: 16 * 2 ** 20 },
  );
  const u = usageSchema.parse(JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}"));
  const mb = (n: number) => Number((n / 2 ** 20).toFixed(1));
  return {
    what,
    rssMB: mb(u.rss),
    heapUsedMB: mb(u.heapUsed),
    heapTotalMB: mb(u.heapTotal),
    externalMB: mb(u.external),
  };
}

/** Each import measured in its own process; `nodeArgs` as the chart passes them (e.g. --max-semi-space-size). */
export async function moduleGraphCosts(nodeArgs: readonly string[] = []): Promise<ModuleGraphCost[]> {
  const file = (p: string) => pathToFileURL(join(REPO, p)).href;
  const targets: [string, string | undefined][] = [
    ["node alone", undefined],
    ["@kubernetes/client-node", "@kubernetes/client-node"],
    ["operator, compiled modules (dist/operator)", file("dist/operator/cli/main.js")],
    ["operator, one-file bundle (the image's)", file("dist/operator-bundle/main.mjs")],
  ];
  const costs: ModuleGraphCost[] = [];
  for (const [what, specifier] of targets) costs.push(await measure(what, specifier, nodeArgs));
  return costs;
}

if (import.meta.main) console.table(await moduleGraphCosts(process.argv.slice(2)));
