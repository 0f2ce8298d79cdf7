// hack/release/oci-archive.ts on a small `docker save`-format archive: an OCI layout whose index, manifest and
// blobs are consistent (every digest is its blob's sha256), plus a manifest.json that `docker load` reads.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../../hack/release/oci-archive.ts", import.meta.url));
const scratch: string[] = [];
afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const sha = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A two-layer image in the format Docker 20.10's `docker save` writes; returns the archive and its diff IDs. */
function dockerSave(dir: string, badDiffId = false): { archive: string; diffIds: string[] } {
  const src = join(dir, "src");
  const diffIds: string[] = [];
  for (const [i, text] of ["hello", "world"].entries()) {
    const files = join(dir, `files${i}`);
    mkdirSync(files, { recursive: true });
    writeFileSync(join(files, `f${i}.txt`), text);
    mkdirSync(join(src, `layer${i}`), { recursive: true });
    execFileSync("tar", ["-cf", join(src, `layer${i}`, "layer.tar"), "-C", files, "."]);
    diffIds.push(sha(readFileSync(join(src, `layer${i}`, "layer.tar"))));
  }
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: badDiffId ? [diffIds[1], diffIds[0]] : diffIds },
  });
  const configName = `${sha(config).slice(7)}.json`;
  writeFileSync(join(src, configName), config);
  writeFileSync(
    join(src, "manifest.json"),
    JSON.stringify([
      {
        Config: configName,
        RepoTags: ["quiesce-operator:9.9.9"],
        Layers: ["layer0/layer.tar", "layer1/layer.tar"],
      },
    ]),
  );
  const archive = join(dir, "docker.tar");
  execFileSync("tar", ["-cf", archive, "-C", src, "."]);
  return { archive, diffIds };
}

describe("oci-archive", () => {
  it("writes a consistent OCI layout with the tag as ref name and a docker-loadable manifest.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "oci-"));
    scratch.push(dir);
    const { archive, diffIds } = dockerSave(dir);
    const out = join(dir, "image.oci.tar");
    execFileSync(process.execPath, [SCRIPT, archive, out], { stdio: "pipe" });
    const x = join(dir, "x");
    mkdirSync(x);
    execFileSync("tar", ["-xf", out, "-C", x]);
    const entries = execFileSync("tar", ["-tf", out], { encoding: "utf8" }).trim().split("\n");
    expect(entries.slice(0, 3)).toEqual(["oci-layout", "index.json", "manifest.json"]);
    const blob = (digest: string) => {
      const bytes = readFileSync(join(x, "blobs", "sha256", digest.slice(7)));
      expect(sha(bytes)).toBe(digest);
      return bytes;
    };
    expect(JSON.parse(readFileSync(join(x, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(readFileSync(join(x, "index.json"), "utf8"));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].annotations).toEqual({
      "io.containerd.image.name": "docker.io/library/quiesce-operator:9.9.9",
      "org.opencontainers.image.ref.name": "9.9.9",
    });
    const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
    expect(manifest.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    expect(manifest.layers.map((l: { digest: string }) => l.digest)).toEqual(diffIds);
    for (const l of manifest.layers) expect(blob(l.digest).length).toBe(l.size);
    expect(JSON.parse(blob(manifest.config.digest).toString()).rootfs.diff_ids).toEqual(diffIds);
    const [loadable] = JSON.parse(readFileSync(join(x, "manifest.json"), "utf8"));
    expect(loadable.RepoTags).toEqual(["quiesce-operator:9.9.9"]);
    for (const path of [loadable.Config, ...loadable.Layers]) expect(existsSync(join(x, path))).toBe(true);
  });

  it("refuses an archive whose layers do not match the config's diff IDs", () => {
    const dir = mkdtempSync(join(tmpdir(), "oci-"));
    scratch.push(dir);
    const { archive } = dockerSave(dir, true);
    const out = join(dir, "image.oci.tar");
    expect(() => execFileSync(process.execPath, [SCRIPT, archive, out], { stdio: "pipe" })).toThrow(
      /layer 0 \(layer0\/layer.tar\) is sha256:\w+, the config says sha256:\w+/,
    );
    expect(existsSync(out)).toBe(false);
  });
});
