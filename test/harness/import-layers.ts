// The layer rules of operator/ and the lab rule (test/ never imports hack/), checked over the real import graph.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Lower layers first; a module may import its own unit and any unit of a lower layer. */
export const LAYERS: ReadonlyArray<{ name: string; units: readonly string[] }> = [
  { name: "api", units: ["operator/api", "operator/protocol"] },
  { name: "runtime", units: ["operator/runtime", "operator/observability"] },
  { name: "adapters", units: ["operator/kube", "operator/quiesce"] },
  { name: "domain", units: ["operator/controllers", "operator/webhooks"] },
  { name: "app", units: ["operator/app"] },
  { name: "cli", units: ["operator/cli"] },
];

/** Units with a narrower allowance than their layer gives: the SDK ships to apps, the plugin to kubectl users. */
export const ONLY: Readonly<Record<string, readonly string[]>> = {
  "operator/sdk": ["operator/protocol"],
  "operator/cli/plugin": ["operator/api", "operator/protocol", "operator/kube"],
  "operator/cli/kubectl-quiesce.ts": [
    "operator/api",
    "operator/protocol",
    "operator/kube",
    "operator/cli/plugin",
  ],
};

/** Packages a unit must not import (the runtime layer knows nothing of Kubernetes). */
export const FORBIDDEN_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  "operator/runtime": ["@kubernetes/client-node"],
  "operator/protocol": ["@kubernetes/client-node"],
  "operator/sdk": ["@kubernetes/client-node"],
};

function within(path: string, unit: string): boolean {
  return path === unit || path.startsWith(`${unit}/`);
}

/** The most specific unit a repository path belongs to (ONLY entries first), or undefined outside operator/. */
export function unitOf(path: string): string | undefined {
  const special = Object.keys(ONLY)
    .filter((u) => within(path, u))
    .sort((a, b) => b.length - a.length)[0];
  if (special) return special;
  return LAYERS.flatMap((l) => l.units).find((u) => within(path, u));
}

function layerOf(unit: string): number {
  const found = LAYERS.findIndex((l) => l.units.some((u) => within(unit, u) || within(u, unit)));
  return found === -1 ? LAYERS.length : found;
}

/** Why an import from one repository path to another breaks a rule, or undefined when it is allowed. */
export function importViolation(from: string, to: string): string | undefined {
  if (within(from, "test") && within(to, "hack")) return "test/ imports hack/ (the lab lives under test/)";
  const source = unitOf(from);
  const target = unitOf(to);
  if (source === undefined || target === undefined) return undefined;
  if (within(to, source) || source === target) return undefined;
  const only = ONLY[source];
  if (only)
    return only.some((u) => within(to, u)) ? undefined : `${source} may import only ${only.join(", ")}`;
  const a = layerOf(source);
  const b = layerOf(target);
  if (b < a) return undefined;
  if (b === a) return `${source} imports its sibling ${target} (layer ${LAYERS[a]?.name})`;
  return `${source} (layer ${LAYERS[a]?.name}) imports ${target} (${LAYERS[b] ? `layer ${LAYERS[b].name}, a layer up` : "outside the operator's layers"})`;
}

export interface Import {
  from: string;
  to: string;
  line: number;
}

function sources(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : sources(root, path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

const IMPORT = /(?:^|\s)(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/gms;

/** Every import in operator/, test/ and hack/ as repository paths (packages keep their name). */
export function importGraph(root: string): Import[] {
  return ["operator", "test", "hack"].flatMap((top) =>
    sources(root, top).flatMap((file) => {
      const text = readFileSync(join(root, file), "utf8");
      return [...text.matchAll(IMPORT)].map((m) => {
        const spec = m[1] ?? m[2] ?? "";
        const to = spec.startsWith(".") ? relative(root, normalize(join(root, dirname(file), spec))) : spec;
        return { from: file, to, line: text.slice(0, m.index).split("\n").length };
      });
    }),
  );
}

/** Every import that breaks a rule, with its reason. */
export function layerViolations(root: string): string[] {
  return importGraph(root).flatMap((i) => {
    const packageRule = Object.entries(FORBIDDEN_PACKAGES).find(
      ([unit, pkgs]) => within(i.from, unit) && pkgs.some((p) => i.to === p || i.to.startsWith(`${p}/`)),
    );
    if (packageRule) return [`${i.from}:${i.line} imports ${i.to}: ${packageRule[0]} must not`];
    const why = importViolation(i.from, i.to);
    return why ? [`${i.from}:${i.line} -> ${i.to}: ${why}`] : [];
  });
}
