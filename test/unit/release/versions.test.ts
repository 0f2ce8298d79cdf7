// Versions come from one place: package.json. The chart and the SDK package must state the same
// (hack/release/check-versions.ts, run as `make release` runs it).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SCRIPT = join(ROOT, "hack/release/check-versions.ts");
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function check(root: string): { code: number; stderr: string } {
  try {
    execFileSync(process.execPath, [SCRIPT, root], { stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, stderr: "" };
  } catch (error) {
    const e = error as { status: number; stderr: Buffer };
    return { code: e.status, stderr: e.stderr.toString() };
  }
}

describe("release versions", () => {
  it("the repository's versioned files agree with package.json", () => {
    expect(check(ROOT)).toEqual({ code: 0, stderr: "" });
  });

  it("names the file and field that disagree", () => {
    const dir = mkdtempSync(join(tmpdir(), "versions-"));
    scratch.push(dir);
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    const chart = join(dir, "charts/quiesce-operator/Chart.yaml");
    cpSync(join(ROOT, "charts/quiesce-operator/Chart.yaml"), chart);
    writeFileSync(chart, readFileSync(chart, "utf8").replace(/^appVersion: .*$/m, 'appVersion: "9.9.9"'));
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string })
      .version;
    expect(check(dir)).toEqual({
      code: 1,
      stderr: `charts/quiesce-operator/Chart.yaml: appVersion is 9.9.9, package.json's version is ${version}\n`,
    });
  });
});
