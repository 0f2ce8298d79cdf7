// The operator image as the chart runs it (uid 1000, read-only root filesystem, every capability dropped), in a
// container outside the cluster (testcontainers): it starts, holds only compiled JavaScript and production
// dependencies, and its size is reported.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GenericContainer, Wait } from "testcontainers";
import { describe, expect, it } from "vitest";
import { operatorImage } from "./images.ts";
import { report } from "./support/suite.ts";

/** A container locked down like the chart's securityContext (testcontainers has no read-only switch of its own). */
class LockedDownContainer extends GenericContainer {
  constructor(image: string) {
    super(image);
    this.hostConfig.ReadonlyRootfs = true;
    this.withUser("1000:1000")
      .withDroppedCapabilities("ALL")
      .withPullPolicy({ shouldPull: () => false });
  }
}

async function oneShot(command: string[], entrypoint?: string[]): Promise<string> {
  const container = new LockedDownContainer(operatorImage)
    .withCommand(command)
    .withWaitStrategy(Wait.forOneShotStartup());
  if (entrypoint) container.withEntrypoint(entrypoint);
  const started = await container.start();
  try {
    const logs = await started.logs();
    const chunks: Buffer[] = [];
    for await (const chunk of logs) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString("utf8");
  } finally {
    await started.stop().catch(() => undefined);
  }
}

describe("e2e: the operator image", () => {
  it("runs --help as uid 1000 on a read-only root filesystem with no capabilities", async () => {
    const out = await oneShot(["--help"]);
    expect(out).toMatch(/Usage: quiesce-operator/);
    expect(out).toMatch(/run \[options\]/);
  });

  it("holds the operator's one-file bundle only: no sources, no node_modules", async () => {
    const out = await oneShot(
      [
        "-c",
        'echo "ts=$(find /app -name "*.ts" | wc -l)"; ' +
          'echo "files=$(find /app -type f | wc -l)"; ' +
          "[ -s /app/dist/operator-bundle/main.mjs ] && echo bundle=yes; " +
          "[ -e /app/node_modules ] && echo node_modules=yes; " +
          "id -u",
      ],
      ["sh"],
    );
    expect(out).toMatch(/^ts=0$/m);
    expect(out).toMatch(/^bundle=yes$/m);
    // main.mjs and its source map.
    expect(out).toMatch(/^files=2$/m);
    expect(out).not.toMatch(/^node_modules=/m);
    expect(out).toMatch(/^1000$/m);
    const { stdout } = await promisify(execFile)("docker", [
      "image",
      "inspect",
      "-f",
      "{{.Size}}",
      operatorImage,
    ]);
    report("operator image size MB", Math.round(Number(stdout.trim()) / 1e6));
  });
});
