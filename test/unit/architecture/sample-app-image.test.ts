// The sample-app image holds only the folders in test/sample-app/image-contents.txt: everything its programs
// import must be inside them (an SDK import outside once crashed every sample-app pod on kind).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importGraph } from "../../harness/import-layers.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const folders = readFileSync(join(root, "test/sample-app/image-contents.txt"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));
const inImage = (path: string) => folders.some((f) => path === f || path.startsWith(`${f}/`));
/** The programs the image runs: the sample app, the in-cluster load pod and the fixtures. */
const entries = ["test/sample-app", "test/load-pod", "test/fixtures"].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `${dir}/${f}`),
);

describe("the sample-app image", () => {
  it("holds every module its programs import", () => {
    const graph = importGraph(root);
    const seen = new Set<string>();
    const todo = [...entries];
    while (todo.length > 0) {
      const file = todo.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const i of graph) if (i.from === file && i.to.endsWith(".ts")) todo.push(i.to);
    }
    expect(seen.size).toBeGreaterThan(entries.length);
    expect([...seen].filter((f) => !inImage(f))).toEqual([]);
  });

  it("lists folders that exist", () => {
    expect(folders).toContain("operator/sdk");
    for (const f of folders) expect(readdirSync(join(root, f)).length).toBeGreaterThan(0);
  });
});
