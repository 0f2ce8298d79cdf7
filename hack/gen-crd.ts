// Writes crds/quiescepolicies.quiesce.dev.yaml from the zod schema; `--check` fails when the committed file differs.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderCrdYaml } from "../operator/api/crd-yaml.ts";

const target = fileURLToPath(new URL("../crds/quiescepolicies.quiesce.dev.yaml", import.meta.url));
const expected = renderCrdYaml();

if (process.argv.includes("--check")) {
  let actual = "";
  try {
    actual = readFileSync(target, "utf8");
  } catch {
    // a missing file differs like any other
  }
  if (actual !== expected) {
    console.error(
      `${target} is out of date with operator/api/quiesce-policy.ts; run: node hack/gen-crd.ts (and commit the result)`,
    );
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else {
  writeFileSync(target, expected);
  console.log(`wrote ${target}`);
}
