// `make release` without the images (RELEASE_IMAGES=0): every artefact at package.json's version, checksummed, and
// each one usable as a user would use it (helm reads the chart, the krew manifest names its archive's digest, npm
// reads the SDK tarball, the executable runs). The image archives are built and checked by make e2e's release step.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { krewManifestSchema } from "../../operator/cli/packaging/krew-manifest.ts";

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const version = (JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string })
  .version;
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "release-"));
  await run("bash", [join(ROOT, "hack", "release.sh")], {
    cwd: ROOT,
    env: { ...process.env, RELEASE_IMAGES: "0", RELEASE_DIR: join(out, "release") },
    timeout: 400_000,
    maxBuffer: 16 << 20,
  });
}, 420_000);
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

const file = (name: string) => join(out, "release", name);
const sha256 = async (name: string) =>
  createHash("sha256")
    .update(await readFile(file(name)))
    .digest("hex");

describe("make release (RELEASE_IMAGES=0)", () => {
  it("writes every artefact at package.json's version, each listed in SHA256SUMS with its real digest", async () => {
    const names = (await readdir(join(out, "release"))).sort();
    expect(names).toEqual(
      [
        "SHA256SUMS",
        "kubectl-quiesce",
        "kubectl-quiesce-linux-amd64.tar.gz",
        `quiesce-operator-${version}.tgz`,
        `quiesce-operator-sdk-${version}.tgz`,
        "quiesce.yaml",
      ].sort(),
    );
    const sums = (await readFile(file("SHA256SUMS"), "utf8")).trim().split("\n");
    const listed = new Map(sums.map((line) => [line.slice(66), line.slice(0, 64)]));
    expect([...listed.keys()].sort()).toEqual(names.filter((n) => n !== "SHA256SUMS"));
    for (const [name, digest] of listed) expect(await sha256(name), name).toBe(digest);
    const check = await run("sha256sum", ["-c", "SHA256SUMS"], { cwd: join(out, "release") });
    expect(check.stdout.trim().split("\n")).toHaveLength(listed.size);
  });

  it("the chart package holds the schema, README and CRD at the version, and helm renders it", async () => {
    const chart = file(`quiesce-operator-${version}.tgz`);
    const { stdout: list } = await run("tar", ["-tzf", chart]);
    for (const entry of ["Chart.yaml", "values.yaml", "values.schema.json", "README.md"])
      expect(list.split("\n")).toContain(`quiesce-operator/${entry}`);
    expect(list).toMatch(/quiesce-operator\/crds\/quiescepolicies\.quiesce\.dev\.yaml/);
    const helm = (await run("bash", [join(ROOT, "hack", "helm.sh")])).stdout.trim();
    const meta = parse((await run(helm, ["show", "chart", chart])).stdout) as Record<string, unknown>;
    expect(meta).toMatchObject({ name: "quiesce-operator", version, appVersion: version });
    const { stdout: rendered } = await run(helm, ["template", "q", chart, "--namespace", "quiesce-system"], {
      maxBuffer: 16 << 20,
    });
    expect(rendered).toContain(`image: quiesce-operator:${version}`);
    // The values schema travels with the package: helm refuses a value it does not allow.
    await expect(run(helm, ["template", "q", chart, "--set", "replicaCount=lots"])).rejects.toThrow(
      /replicaCount/,
    );
  });

  it("the krew manifest names the archive by its digest and the executable runs on an empty PATH", async () => {
    const manifest = krewManifestSchema.parse(parse(await readFile(file("quiesce.yaml"), "utf8")));
    expect(manifest.spec.version).toBe(`v${version}`);
    const linux = manifest.spec.platforms.find((p) => p.uri.endsWith("kubectl-quiesce-linux-amd64.tar.gz"));
    expect(linux?.sha256).toBe(await sha256("kubectl-quiesce-linux-amd64.tar.gz"));
    const { stdout } = await run(file("kubectl-quiesce"), ["version", "-o", "json"], {
      env: { PATH: "", HOME: out },
    });
    expect(JSON.parse(stdout)).toMatchObject({ pluginVersion: `v${version}` });
  });

  it("the SDK tarball is the compiled package with no dependencies", async () => {
    const tarball = file(`quiesce-operator-sdk-${version}.tgz`);
    const { stdout: list } = await run("tar", ["-tzf", tarball]);
    const entries = list.trim().split("\n");
    expect(entries).toContain("package/package.json");
    expect(entries.some((e) => /^package\/dist\/.*index\.js$/.test(e))).toBe(true);
    expect(entries.filter((e) => e.endsWith(".ts") && !e.endsWith(".d.ts"))).toEqual([]);
    const { stdout: pkgJson } = await run("tar", ["-xzOf", tarball, "package/package.json"]);
    const pkg = JSON.parse(pkgJson) as { name: string; version: string; dependencies?: object };
    expect(pkg).toMatchObject({ name: "@quiesce-operator/sdk", version });
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});
