// Turns a `docker save` archive of one image into an OCI image layout archive (oci-layout, index.json, blobs/),
// keeping Docker's manifest.json beside it (pointing at the same blobs) so `docker load` still reads it, as Docker
// >= 25 writes them. Debian's Docker (20.10) writes only the older Docker format.
// Usage: node hack/release/oci-archive.ts DOCKER_SAVE.tar OUT.oci.tar
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const dockerManifest = z
  .array(
    z.object({ Config: z.string(), RepoTags: z.array(z.string()).nullable(), Layers: z.array(z.string()) }),
  )
  .length(1, "the archive must hold exactly one image");
const imageConfig = z.object({ rootfs: z.object({ diff_ids: z.array(z.string()) }) });

interface Blob {
  digest: string;
  size: number;
}

async function sha256File(path: string): Promise<Blob> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest("hex")}`, size };
}

const blobPath = (layout: string, digest: string) => join(layout, "blobs", "sha256", digest.slice(7));

async function writeBlob(layout: string, content: string): Promise<Blob> {
  const bytes = Buffer.from(content);
  const blob = { digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`, size: bytes.length };
  await writeFile(blobPath(layout, blob.digest), bytes);
  return blob;
}

async function copyBlob(layout: string, from: string): Promise<Blob> {
  const blob = await sha256File(from);
  await copyFile(from, blobPath(layout, blob.digest));
  return blob;
}

export async function toOciArchive(
  dockerArchive: string,
  out: string,
): Promise<{ ref: string; manifest: Blob }> {
  const work = await mkdtemp(join(tmpdir(), "oci-archive-"));
  try {
    const input = join(work, "in");
    const layout = join(work, "layout");
    await mkdir(input);
    await mkdir(join(layout, "blobs", "sha256"), { recursive: true });
    execFileSync("tar", ["-xf", resolve(dockerArchive), "-C", input]);
    const [image] = dockerManifest.parse(JSON.parse(await readFile(join(input, "manifest.json"), "utf8")));
    if (!image) throw new Error(`${dockerArchive}: manifest.json lists no image`);
    const tag = image.RepoTags?.[0];
    if (!tag) throw new Error(`${dockerArchive}: the image has no tag (docker save NAME:TAG)`);
    const config = await copyBlob(layout, join(input, image.Config));
    const diffIds = imageConfig.parse(JSON.parse(await readFile(join(input, image.Config), "utf8"))).rootfs
      .diff_ids;
    const layers: Blob[] = [];
    for (const [i, path] of image.Layers.entries()) {
      const layer = await copyBlob(layout, join(input, path));
      // Uncompressed layers: the blob digest is the layer's diff ID, which the config names.
      if (layer.digest !== diffIds[i])
        throw new Error(
          `${dockerArchive}: layer ${i} (${path}) is ${layer.digest}, the config says ${diffIds[i]}`,
        );
      layers.push(layer);
    }
    const manifest = await writeBlob(
      layout,
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
        layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", ...l })),
      }),
    );
    const version = tag.slice(tag.lastIndexOf(":") + 1);
    const name = tag.includes("/") ? tag : `docker.io/library/${tag}`;
    await writeFile(
      join(layout, "index.json"),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          {
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            ...manifest,
            annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": version },
          },
        ],
      }),
    );
    await writeFile(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const blobRef = (b: Blob) => `blobs/sha256/${b.digest.slice(7)}`;
    await writeFile(
      join(layout, "manifest.json"),
      JSON.stringify([{ Config: blobRef(config), RepoTags: [tag], Layers: layers.map(blobRef) }]),
    );
    const partial = `${out}.partial`;
    const tar = [
      "--sort=name",
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "-cf",
      resolve(partial),
      "-C",
      layout,
    ];
    execFileSync("tar", [...tar, "oci-layout", "index.json", "manifest.json", "blobs"]);
    await rename(partial, out);
    return { ref: tag, manifest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) {
    console.error("usage: oci-archive.ts DOCKER_SAVE.tar OUT.oci.tar");
    process.exit(2);
  }
  const { ref, manifest } = await toOciArchive(from, to);
  console.log(`${to}: ${ref} (manifest ${manifest.digest})`);
}
