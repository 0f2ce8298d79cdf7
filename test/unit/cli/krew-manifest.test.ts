// The krew manifest: the builder's shape (zod), and hack/plugin/krew-manifest.ts writing a real archive and manifest.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  archiveName,
  krewManifest,
  krewManifestSchema,
} from "../../../operator/cli/packaging/krew-manifest.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const NODE = join(ROOT, "node_modules", ".bin", "node");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
const SHA = "a".repeat(64);

describe("krew manifest", () => {
  it("is a Plugin named quiesce at package.json's version, one platform per archive", () => {
    const m = krewManifest(pkg.version, [
      {
        os: "linux",
        arch: "amd64",
        fileName: archiveName("linux", "amd64"),
        sha256: SHA,
        files: ["kubectl-quiesce"],
      },
    ]);
    expect(krewManifestSchema.parse(m)).toEqual(m);
    expect(m).toMatchObject({
      apiVersion: "krew.googlecode.com/v1alpha2",
      kind: "Plugin",
      metadata: { name: "quiesce" },
      spec: { version: `v${pkg.version}` },
    });
    expect(m.spec.platforms).toEqual([
      {
        selector: { matchLabels: { os: "linux", arch: "amd64" } },
        uri: `https://github.com/quiesce-dev/quiesce-operator/releases/download/v${pkg.version}/kubectl-quiesce-linux-amd64.tar.gz`,
        sha256: SHA,
        files: [{ from: "kubectl-quiesce", to: "." }],
        bin: "kubectl-quiesce",
      },
    ]);
  });

  it("refuses a bad sha256, a non-archive uri and no platforms", () => {
    const archive = {
      os: "linux" as const,
      arch: "amd64",
      fileName: "x.tar.gz",
      sha256: SHA,
      files: ["kubectl-quiesce"],
    };
    expect(() => krewManifest("0.1.0", [{ ...archive, sha256: "ABC" }])).toThrow("a lowercase hex sha256");
    expect(() => krewManifest("0.1.0", [{ ...archive, fileName: "x.bin" }])).toThrow("krew needs a .tar.gz");
    expect(() => krewManifest("0.1.0", [])).toThrow();
    expect(() => krewManifest("0.1", [archive])).toThrow("v then a semantic version");
  });

  it("the generator writes a tar.gz holding the executable and a manifest with its real sha256", () => {
    const dir = mkdtempSync(join(tmpdir(), "krew-"));
    const exe = join(dir, "fake-exe");
    writeFileSync(exe, "#!/bin/sh\necho fake\n".repeat(100), { mode: 0o755 });
    const out = join(dir, "out");
    execFileSync(NODE, [join(ROOT, "hack/plugin/krew-manifest.ts"), "--executable", exe, "--out", out], {
      cwd: ROOT,
      stdio: "pipe",
    });
    const manifest = krewManifestSchema.parse(parse(readFileSync(join(out, "quiesce.yaml"), "utf8")));
    const platform = manifest.spec.platforms[0];
    const archive = join(out, platform?.uri.split("/").pop() ?? "");
    expect(platform?.sha256).toBe(createHash("sha256").update(readFileSync(archive)).digest("hex"));
    const extracted = join(dir, "x");
    mkdirSync(extracted);
    execFileSync("tar", ["-xzf", archive, "-C", extracted]);
    expect(readFileSync(join(extracted, "kubectl-quiesce"))).toEqual(readFileSync(exe));
    expect(statSync(join(extracted, "kubectl-quiesce")).mode & 0o777).toBe(0o755);
    // Deterministic: the same executable gives the same archive, so the release's sha256 can be checked.
    execFileSync(NODE, [join(ROOT, "hack/plugin/krew-manifest.ts"), "--executable", exe, "--out", out], {
      cwd: ROOT,
    });
    expect(parse(readFileSync(join(out, "quiesce.yaml"), "utf8")).spec.platforms[0].sha256).toBe(
      platform?.sha256,
    );
  });
});
