// Fails unless every versioned file agrees with package.json's version (the one place versions come from):
// the chart's version and appVersion, and the SDK package. `make release` runs it before building anything.
// Usage: check-versions.ts [ROOT] (default: this repository).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const versioned = z.object({ version: z.string().min(1) });

export interface VersionMismatch {
  file: string;
  field: string;
  found: string;
}

/** Every place that states a version and disagrees with package.json's; empty when they all agree. */
export function versionMismatches(root = ROOT): { version: string; mismatches: VersionMismatch[] } {
  const read = (path: string) => readFileSync(`${root}${path}`, "utf8");
  const { version } = versioned.parse(JSON.parse(read("package.json")));
  const chart = z
    .object({ version: z.string(), appVersion: z.coerce.string() })
    .parse(parse(read("charts/quiesce-operator/Chart.yaml")));
  const found: VersionMismatch[] = [
    { file: "charts/quiesce-operator/Chart.yaml", field: "version", found: chart.version },
    { file: "charts/quiesce-operator/Chart.yaml", field: "appVersion", found: chart.appVersion },
  ];
  if (existsSync(`${root}operator/sdk/package.json`)) {
    const sdk = versioned.parse(JSON.parse(read("operator/sdk/package.json")));
    found.push({ file: "operator/sdk/package.json", field: "version", found: sdk.version });
  }
  return { version, mismatches: found.filter((f) => f.found !== version) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = process.argv[2];
  const { version, mismatches } = versionMismatches(root ? `${root.replace(/\/$/, "")}/` : ROOT);
  for (const m of mismatches)
    console.error(`${m.file}: ${m.field} is ${m.found}, package.json's version is ${version}`);
  process.exit(mismatches.length === 0 ? 0 : 1);
}
