// CLI: `node test/harness/node-agent/main.ts --kubeconfig PATH --nodes 2 [--name-prefix local-node]`.
import { KubeConfig } from "@kubernetes/client-node";
import { Command } from "commander";
import { z } from "zod";
import { startNodeAgent } from "./agent.ts";

const Flags = z.object({
  kubeconfig: z.string().min(1),
  nodes: z.coerce.number().int().min(1).max(50),
  namePrefix: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS label"),
  logDir: z.string().min(1).optional(),
  repoRoot: z.string().min(1).optional(),
  keepNodes: z.boolean().optional(),
});

const program = new Command("node-agent")
  .description("local kubelet stand-in: registers Nodes and runs their pods as local processes")
  .requiredOption("--kubeconfig <path>", "admin kubeconfig of the control plane")
  .option("--nodes <n>", "number of nodes to register", "1")
  .option("--name-prefix <prefix>", "node names are <prefix>-<i>", "local-node")
  .option("--log-dir <dir>", "per-pod log files (default <repo>/.cluster/pod-logs)")
  .option("--repo-root <dir>", "working directory of pod processes (default: this repository)")
  .option("--keep-nodes", "leave the Node objects registered on exit");
program.parse();
const flags = Flags.parse(program.opts());

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(flags.kubeconfig);
const agent = await startNodeAgent({
  kubeConfig,
  nodes: flags.nodes,
  namePrefix: flags.namePrefix,
  ...(flags.logDir ? { logDir: flags.logDir } : {}),
  ...(flags.repoRoot ? { repoRoot: flags.repoRoot } : {}),
  deleteNodesOnStop: !flags.keepNodes,
});

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(1), 10_000);
  agent.stop().then(
    () => {
      clearTimeout(force);
      process.exit(signal === "SIGINT" ? 130 : 0);
    },
    (error: unknown) => {
      console.error(`node-agent: stop failed: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
