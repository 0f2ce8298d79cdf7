// `make plugin`: kubectl-quiesce as one executable (a Node single executable application), its krew archive and manifest.
// Usage: node hack/build-plugin.ts [--out dist/plugin] [--executable-only] [--force]. Skips the build when up to date.
import { execFile } from "node:child_process";
import { readdirSync, realpathSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { z } from "zod";
import { bundlePlugin } from "./plugin/bundle.ts";
import { projectVersion, ROOT, writeKrew } from "./plugin/krew-manifest.ts";
import { buildSea } from "./plugin/sea.ts";
import { fileIdentity, stampOf, upToDate } from "./plugin/stamp.ts";

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    out: { type: "string", default: join(ROOT, "dist/plugin") },
    "executable-only": { type: "boolean", default: false },
    force: { type: "boolean", default: false },
  },
});
const out = resolve(values.out);
const executableOnly = values["executable-only"];
const version = projectVersion();
const node = realpathSync(join(ROOT, "node_modules/.bin/node"));
const postject = join(ROOT, "node_modules/postject/dist/cli.js");
const executable = join(out, "kubectl-quiesce");
const stampPath = join(out, "kubectl-quiesce.stamp.json");
const say = (text: string) => process.stderr.write(`build-plugin: ${text}\n`);

async function hasStrip(): Promise<boolean> {
  return await run("strip", ["--version"]).then(
    () => true,
    () => false,
  );
}

/** The build's own sources: a change to them rebuilds too. */
function buildScripts(): string[] {
  const plugin = readdirSync(join(ROOT, "hack/plugin")).map((f) => `hack/plugin/${f}`);
  return ["hack/build-plugin.ts", "operator/cli/packaging/krew-manifest.ts", "package.json", ...plugin];
}

/** Runs the executable as a user would (no Node on PATH, no NODE_OPTIONS) and checks what `version` says. */
async function check(path: string): Promise<void> {
  const { stdout } = await run(path, ["version", "-o", "json"], {
    env: { PATH: "/nonexistent" },
    timeout: 30_000,
  });
  const info = z
    .object({ pluginVersion: z.string(), singleExecutable: z.boolean() })
    .parse(JSON.parse(stdout));
  if (info.pluginVersion !== `v${version}` || !info.singleExecutable) {
    throw new Error(`${path} version says ${stdout.trim()}, expected v${version} as a single executable`);
  }
}

const strip = await hasStrip();
const extra = JSON.stringify({ version, node: fileIdentity(node), strip });
const outputs = [executable, ...(executableOnly ? [] : [join(out, "quiesce.yaml")])];
const present = await Promise.all(
  outputs.map((p) =>
    stat(p).then(
      () => true,
      () => false,
    ),
  ),
);
if (!values.force && present.every(Boolean) && upToDate(ROOT, stampPath, extra)) {
  say(`${relative(process.cwd(), executable)} is up to date (v${version})`);
  process.exit(0);
}

const start = performance.now();
await mkdir(out, { recursive: true });
const work = await mkdtemp(join(out, ".build-"));
try {
  const script = join(work, "kubectl-quiesce.cjs");
  const bundle = await bundlePlugin(ROOT, "operator/cli/kubectl-quiesce.ts", script, version);
  for (const w of bundle.warnings) say(`esbuild warning: ${w}`);
  const bundled = performance.now();
  const built = join(work, "kubectl-quiesce");
  await buildSea({ node, postject, script, workDir: work, output: built, strip });
  await check(built);
  await rm(stampPath, { force: true });
  await rename(built, executable);
  const sea = performance.now();
  const size = (await stat(executable)).size;
  say(
    `${relative(process.cwd(), executable)}: ${(size / 1e6).toFixed(1)} MB, v${version} on Node ${process.version}` +
      `${strip ? " (stripped)" : ""}; bundle ${((bundled - start) / 1000).toFixed(1)} s, executable ` +
      `${((sea - bundled) / 1000).toFixed(1)} s`,
  );
  if (!executableOnly) {
    const krew = await writeKrew({ executable, outDir: out, version });
    const archiveSize = (await stat(krew.archive)).size;
    say(
      `${relative(process.cwd(), krew.archive)}: ${(archiveSize / 1e6).toFixed(1)} MB, sha256 ${krew.sha256}; ` +
        `${relative(process.cwd(), krew.manifest)}; archive ${((performance.now() - sea) / 1000).toFixed(1)} s`,
    );
  }
  const stamp = stampOf(ROOT, [...new Set([...bundle.inputs, ...buildScripts()])], extra);
  await writeFile(stampPath, JSON.stringify(stamp, null, 1));
  say(`built in ${((performance.now() - start) / 1000).toFixed(1)} s`);
} finally {
  await rm(work, { recursive: true, force: true });
}
