// Copies the generated crds/*.yaml into the chart's crds/; `--check` fails when the chart's copies differ.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../crds/", import.meta.url));
const target = fileURLToPath(new URL("../charts/quiesce-operator/crds/", import.meta.url));
const yamlIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".yaml"));
const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

const wanted = yamlIn(source);
const stale = yamlIn(target).filter((f) => !wanted.includes(f));
const differing = wanted.filter((f) => read(join(target, f)) !== readFileSync(join(source, f), "utf8"));

if (process.argv.includes("--check")) {
  if (differing.length > 0 || stale.length > 0) {
    console.error(
      `charts/quiesce-operator/crds/ is out of date with crds/ (${[...differing, ...stale].join(", ")}); run: node hack/sync-chart-crds.ts (and commit the result)`,
    );
    process.exit(1);
  }
  console.log("charts/quiesce-operator/crds/ is up to date");
} else {
  for (const f of differing) writeFileSync(join(target, f), readFileSync(join(source, f), "utf8"));
  for (const f of stale) rmSync(join(target, f));
  console.log(`synced ${differing.length} CRD file(s), removed ${stale.length} into ${target}`);
}
