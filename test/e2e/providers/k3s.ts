// The "k3s" provider: a k3s server in a privileged container (testcontainers), with the local images imported.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GenericContainer, Wait } from "testcontainers";
import type { ClusterProvider } from "./provider.ts";

/** k3s of the same minor as the local control plane. */
export const K3S_IMAGE = process.env.QUIESCE_E2E_K3S_IMAGE ?? "rancher/k3s:v1.34.1-k3s1";
const API_PORT = 6443;

/** `docker save` each image into the container and import it into k3s's containerd. */
async function importImages(
  container: import("testcontainers").StartedTestContainer,
  images: readonly string[],
) {
  const dir = await mkdtemp(join(tmpdir(), "quiesce-e2e-images-"));
  for (const [i, image] of images.entries()) {
    const tar = join(dir, `image-${i}.tar`);
    await promisify(execFile)("docker", ["save", "-o", tar, image], { maxBuffer: 1 << 20 }).catch(
      (error: Error) => {
        throw new Error(
          `e2e k3s: docker save ${image} failed (build it first: hack/e2e.sh): ${error.message}`,
        );
      },
    );
    await container.copyFilesToContainer([{ source: tar, target: `/tmp/image-${i}.tar` }]);
    const result = await container.exec(["ctr", "-n", "k8s.io", "images", "import", `/tmp/image-${i}.tar`]);
    if (result.exitCode !== 0) throw new Error(`e2e k3s: importing ${image} failed: ${result.output}`);
  }
}

export async function k3sCluster(images: readonly string[]): Promise<ClusterProvider> {
  const container = await new GenericContainer(K3S_IMAGE)
    .withPrivilegedMode()
    .withExposedPorts(API_PORT)
    .withTmpFs({ "/run": "rw", "/var/run": "rw" })
    .withCommand(["server", "--disable=traefik", "--disable=metrics-server", `--tls-san=127.0.0.1`])
    .withWaitStrategy(Wait.forLogMessage(/Node controller sync successful|k3s is up and running/))
    .withStartupTimeout(180_000)
    .start()
    .catch((error: Error) => {
      throw new Error(
        `e2e k3s: cannot start ${K3S_IMAGE} (${error.message}). The k3s provider needs that image, so a machine ` +
          "that can pull it or has it loaded; nothing ran. Without a registry use the default provider: make e2e (kind).",
      );
    });
  try {
    const config = await container.exec(["cat", "/etc/rancher/k3s/k3s.yaml"]);
    if (config.exitCode !== 0) throw new Error(`e2e k3s: reading the kubeconfig failed: ${config.output}`);
    const server = `https://${container.getHost()}:${container.getMappedPort(API_PORT)}`;
    const dir = await mkdtemp(join(tmpdir(), "quiesce-e2e-k3s-"));
    const kubeconfigPath = join(dir, "kubeconfig");
    await writeFile(kubeconfigPath, config.output.replace(/https:\/\/127\.0\.0\.1:6443/g, server), {
      mode: 0o600,
    });
    await importImages(container, images);
    return {
      name: "k3s",
      kubeconfigPath,
      stop: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    await container.stop().catch(() => undefined);
    throw error;
  }
}
