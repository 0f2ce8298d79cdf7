// The SDK's package.json (operator/sdk): one version with the root, compiled exports, no dependencies, no zod.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { rewriteDeclaration } from "../../../operator/sdk/scripts/declaration-extensions.ts";
import { importGraph } from "../../harness/import-layers.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
type Manifest = Record<string, unknown> & { version: string };
const read = (path: string): Manifest => JSON.parse(readFileSync(join(root, path), "utf8")) as Manifest;
const sdk = read("operator/sdk/package.json");
const top = read("package.json");

describe("the SDK package manifest", () => {
  it("has the root package's version (the one place versions are set)", () => {
    expect(sdk.version).toBe(top.version);
  });

  it("is an ESM package whose exports point at compiled files under dist/", () => {
    expect(sdk).toMatchObject({ name: "@quiesce-operator/sdk", type: "module", engines: { node: ">=20" } });
    expect(sdk.exports).toEqual({
      ".": { types: "./dist/sdk/index.d.ts", default: "./dist/sdk/index.js" },
      "./package.json": "./package.json",
    });
    expect(sdk.files).toEqual(["dist", "README.md"]);
  });

  it("has no runtime dependencies", () => {
    for (const field of ["dependencies", "optionalDependencies", "bundleDependencies", "peerDependencies"]) {
      expect(sdk[field], field).toBeUndefined();
    }
  });

  it("is a workspace of the root package, which exports no TypeScript sources", () => {
    expect(top.workspaces).toEqual(["operator/sdk"]);
    expect(JSON.stringify(top.exports ?? {})).not.toMatch(/\.ts"/);
  });

  it("keeps its build output out of git", () => {
    const ignored = execFileSync("git", ["check-ignore", "operator/sdk/dist/sdk/index.js"], { cwd: root });
    expect(ignored.toString().trim()).toBe("operator/sdk/dist/sdk/index.js");
  });
});

describe("what the SDK's entry point imports", () => {
  it("is only node: builtins and its own or protocol modules that import no package", () => {
    const graph = importGraph(root);
    const seen = new Set<string>();
    const packages = new Set<string>();
    const todo = ["operator/sdk/index.ts"];
    for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
      if (seen.has(file)) continue;
      seen.add(file);
      for (const edge of graph) {
        if (edge.from !== file) continue;
        if (edge.to.endsWith(".ts")) todo.push(edge.to);
        else packages.add(edge.to);
      }
    }
    expect(seen).toContain("operator/protocol/wire.ts");
    expect(seen).not.toContain("operator/protocol/quiesce-protocol.ts");
    expect([...seen].filter((f) => !/^operator\/(sdk|protocol)\//.test(f))).toEqual([]);
    expect([...packages].filter((p) => !p.startsWith("node:"))).toEqual([]);
  });
});

describe("the declaration rewrite of the SDK build", () => {
  it("points relative .ts imports, re-exports and import types at .js, and leaves the rest", () => {
    const before = [
      'import type { A } from "./a.ts";',
      "export { b } from '../protocol/b.ts';",
      'export * from "./c.ts";',
      'type D = import("./d.ts").D;',
      'import type { IncomingMessage } from "node:http";',
      'import type { E } from "pkg/e.ts";',
    ].join("\n");
    expect(rewriteDeclaration(before).split("\n")).toEqual([
      'import type { A } from "./a.js";',
      "export { b } from '../protocol/b.js';",
      'export * from "./c.js";',
      'type D = import("./d.js").D;',
      'import type { IncomingMessage } from "node:http";',
      'import type { E } from "pkg/e.ts";',
    ]);
  });
});
