// kubectl quiesce version: package.json's version from sources, and its rendering as text, JSON and YAML.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageVersion, renderVersion, versionInfo } from "../../../operator/cli/plugin/version.ts";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("plugin version", () => {
  it("from sources is package.json's, on this Node, not a single executable", () => {
    expect(versionInfo()).toEqual({
      pluginVersion: `v${pkg.version}`,
      nodeVersion: process.version,
      platform: `${process.platform}/${process.arch}`,
      singleExecutable: false,
    });
  });

  it("finds the quiesce-operator package.json above, skipping other packages'", () => {
    const root = mkdtempSync(join(tmpdir(), "plugin-version-"));
    writeFileSync(join(root, "package.json"), JSON.stringify({ name: "quiesce-operator", version: "9.8.7" }));
    mkdirSync(join(root, "a", "b"), { recursive: true });
    writeFileSync(join(root, "a", "package.json"), JSON.stringify({ name: "other", version: "1.0.0" }));
    expect(packageVersion(join(root, "a", "b"))).toBe("9.8.7");
  });

  it("renders two lines, or the object", () => {
    const info = {
      pluginVersion: "v1.2.3",
      nodeVersion: "v24.21.0",
      platform: "linux/x64",
      singleExecutable: true,
    };
    expect(renderVersion(info, "table")).toBe(
      "Plugin Version: v1.2.3\nNode Version: v24.21.0 (linux/x64, single executable)",
    );
    expect(JSON.parse(renderVersion(info, "json"))).toEqual(info);
    expect(renderVersion(info, "yaml")).toContain("pluginVersion: v1.2.3\n");
  });
});
