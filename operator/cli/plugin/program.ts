// The plugin's commander program: kubectl's -n/-A/--kubeconfig/--context/-o, and every command (status, rollout, ...).
import { Command, Option } from "commander";
import { addConformanceOptions, conformanceCommand, parseConformanceFlags } from "./conformance/command.ts";
import { globalsSchema, parseFlags, rolloutFlagsSchema, run } from "./flags.ts";
import { processIo } from "./io.ts";
import { connect } from "./kube.ts";
import { addLocalCommands } from "./program-local.ts";
import { addMaintenanceCommands } from "./program-maintenance.ts";
import { rolloutCommand } from "./rollout-command.ts";
import { statusCommand } from "./status-command.ts";
import { parseTarget, parseWorkloadTarget } from "./target.ts";

function addStatus(program: Command): void {
  program
    .command("status")
    .argument(
      "[target]",
      "QuiescePolicy name, or deployment|statefulset|daemonset/NAME; default: every pod a policy selects",
    )
    .description("per pod: quiesce state, in-flight work, time in state and drain deadline (ETA)")
    .action(async (target: string | undefined, _opts: unknown, cmd: Command) =>
      run(async () => {
        const g = parseFlags(globalsSchema, cmd.optsWithGlobals());
        return await statusCommand(connect(g), parseTarget(target), g.output, processIo());
      }),
    );
}

function rolloutAction(restart: boolean) {
  return async (target: string, _opts: unknown, cmd: Command) =>
    run(async () => {
      const all = cmd.optsWithGlobals();
      const g = parseFlags(globalsSchema, all);
      const r = parseFlags(rolloutFlagsSchema, all);
      const clients = connect(g);
      if (clients.allNamespaces) throw new Error("rollout does not take --all-namespaces");
      return await rolloutCommand(
        clients,
        {
          ...parseWorkloadTarget(target),
          restart,
          follow: r.follow,
          timeoutMs: r.timeout,
          intervalMs: r.interval,
          output: g.output,
        },
        processIo(g.output !== "table"),
      );
    });
}

function addRollout(program: Command): void {
  const rollout = program
    .command("rollout")
    .description("start or follow a Deployment, StatefulSet or DaemonSet rollout and its drains");
  const rolloutFlags = (c: Command) =>
    c
      .addOption(new Option("--timeout <duration>", "give up after this long (e.g. 10m)").default("10m"))
      .addOption(new Option("--interval <duration>", "poll interval").default("1s").hideHelp());
  rolloutFlags(
    rollout
      .command("restart")
      .argument("<TYPE/NAME>", "deployment/NAME, statefulset/NAME or daemonset/NAME")
      .description("restart a workload (like kubectl rollout restart) and follow its drains")
      .option("--no-follow", "return once the restart is recorded"),
  ).action(rolloutAction(true));
  rolloutFlags(
    rollout
      .command("status")
      .argument("<TYPE/NAME>", "deployment/NAME, statefulset/NAME or daemonset/NAME")
      .description("follow the current rollout until it completes; non-zero if a drain timed out"),
  ).action(rolloutAction(false));
}

function addConformance(program: Command): void {
  addConformanceOptions(
    program
      .command("conformance")
      .description(
        "black-box checks of docs/protocol.md against a live app: one line per rule, exit 1 if a MUST fails",
      ),
  ).action(async (_opts: unknown, cmd: Command) =>
    run(async () => await conformanceCommand(parseConformanceFlags(cmd.optsWithGlobals()), processIo())),
  );
}

/** The whole program; `parseAsync()` runs it, `commandTree()` reads it for completion. */
export function buildProgram(): Command {
  const program = new Command("kubectl-quiesce")
    .description("quiesce-operator: per-pod drain status and rollouts that follow the drains")
    .addOption(new Option("-n, --namespace <namespace>", "namespace (default: the context's, else default)"))
    .addOption(new Option("-A, --all-namespaces", "every namespace (status only)"))
    .addOption(new Option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"))
    .addOption(new Option("--context <name>", "kubeconfig context"))
    .addOption(new Option("-o, --output <format>", "table, json or yaml").choices(["table", "json", "yaml"]))
    .showHelpAfterError();
  addStatus(program);
  addRollout(program);
  addMaintenanceCommands(program);
  addConformance(program);
  addLocalCommands(program);
  return program;
}
