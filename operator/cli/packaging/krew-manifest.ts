// The krew plugin manifest of kubectl-quiesce (quiesce.yaml): its schema and the pure builder hack/plugin/ writes it with.
import { z } from "zod";

export const HOMEPAGE = "https://github.com/quiesce-dev/quiesce-operator";
export const PLUGIN_NAME = "quiesce";
export const BIN = "kubectl-quiesce";

const platformSchema = z.object({
  selector: z.object({
    matchLabels: z.object({ os: z.enum(["linux", "darwin", "windows"]), arch: z.string() }),
  }),
  uri: z.url().refine((u) => u.endsWith(".tar.gz") || u.endsWith(".zip"), "krew needs a .tar.gz or .zip"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "a lowercase hex sha256"),
  files: z.array(z.object({ from: z.string().min(1), to: z.string().min(1) })).min(1),
  bin: z.string().min(1),
});

export const krewManifestSchema = z.object({
  apiVersion: z.literal("krew.googlecode.com/v1alpha2"),
  kind: z.literal("Plugin"),
  metadata: z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/) }),
  spec: z.object({
    version: z.string().regex(/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "v then a semantic version"),
    homepage: z.url(),
    shortDescription: z.string().min(1).max(50),
    description: z.string().min(1),
    caveats: z.string().optional(),
    platforms: z.array(platformSchema).min(1),
  }),
});
export type KrewManifest = z.infer<typeof krewManifestSchema>;

export interface PluginArchive {
  /** krew's os/arch labels: linux/amd64. */
  os: "linux" | "darwin" | "windows";
  arch: string;
  fileName: string;
  sha256: string;
  /** The files in the archive, at its root: kubectl-quiesce, and LICENSE when there is one. */
  files: string[];
}

/** krew's arch label of a Node `process.arch`. */
export function krewArch(nodeArch: string): string {
  return nodeArch === "x64" ? "amd64" : nodeArch === "ia32" ? "386" : nodeArch;
}

/** The archive's name in a release: kubectl-quiesce-linux-amd64.tar.gz. */
export function archiveName(os: string, arch: string): string {
  return `${BIN}-${os}-${arch}.tar.gz`;
}

/** The manifest for `version` (package.json's, without the v), its archives downloaded from `releaseUrl`/NAME. */
export function krewManifest(version: string, archives: PluginArchive[], releaseUrl?: string): KrewManifest {
  const base = releaseUrl ?? `${HOMEPAGE}/releases/download/v${version}`;
  return krewManifestSchema.parse({
    apiVersion: "krew.googlecode.com/v1alpha2",
    kind: "Plugin",
    metadata: { name: PLUGIN_NAME },
    spec: {
      version: `v${version}`,
      homepage: HOMEPAGE,
      shortDescription: "Drain status and drain-aware rollouts",
      description: [
        "The kubectl plugin of quiesce-operator, which turns every planned pod removal into a quiesce.",
        "It shows per pod the quiesce state, in-flight work and drain deadline, restarts and follows",
        "Deployment, StatefulSet and DaemonSet rollouts drain by drain, puts a workload in maintenance",
        "mode, and checks an app's quiesce endpoint against the protocol.",
      ].join(" "),
      caveats: [
        "Shell completion: source <(kubectl quiesce completion bash) (or zsh) for kubectl-quiesce;",
        "for `kubectl quiesce <TAB>` (kubectl >= 1.26) link the binary as kubectl_complete-quiesce on your PATH.",
      ].join(" "),
      platforms: archives.map((a) => ({
        selector: { matchLabels: { os: a.os, arch: a.arch } },
        uri: `${base.replace(/\/$/, "")}/${a.fileName}`,
        sha256: a.sha256,
        files: a.files.map((f) => ({ from: f, to: "." })),
        bin: BIN,
      })),
    },
  });
}
