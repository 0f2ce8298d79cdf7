#!/usr/bin/env node
// `kubectl quiesce`: the kubectl plugin (status, rollout, quiesce|unquiesce|wait, conformance) with kubectl's -n/-A/--kubeconfig/--context/-o.
import { Command, Option } from "commander";
import { z } from "zod";
import {
  addConformanceOptions,
  conformanceCommand,
  parseConformanceFlags,
} from "./plugin/conformance/command.ts";
import { durationSchema } from "./plugin/duration.ts";
import { processIo } from "./plugin/io.ts";
import { connect } from "./plugin/kube.ts";
import { quiesceCommand, unquiesceCommand, waitFor } from "./plugin/maintenance-command.ts";
import { rolloutCommand } from "./plugin/rollout-command.ts";
import { statusCommand } from "./plugin/status-command.ts";
import { parseTarget, parseWorkloadTarget } from "./plugin/target.ts";

const globalsSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  allNamespaces: z.boolean().optional(),
  output: z.enum(["table", "json", "yaml"]).default("table"),
});
const maintenanceFlagsSchema = z.object({ wait: z.boolean().default(false), timeout: durationSchema });
const rolloutFlagsSchema = z.object({
  timeout: durationSchema,
  interval: durationSchema,
  follow: z.boolean().default(true),
});

function parseFlags<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ");
  throw new Error(`invalid flags: ${detail}`);
}

/** Runs a command body; prints `error: ...` like kubectl and sets the exit code. */
async function run(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

const program = new Command("kubectl-quiesce")
  .description("quiesce-operator: per-pod drain status and rollouts that follow the drains")
  .addOption(new Option("-n, --namespace <namespace>", "namespace (default: the context's, else default)"))
  .addOption(new Option("-A, --all-namespaces", "every namespace (status only)"))
  .addOption(new Option("--kubeconfig <path>", "kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"))
  .addOption(new Option("--context <name>", "kubeconfig context"))
  .addOption(new Option("-o, --output <format>", "table, json or yaml").choices(["table", "json", "yaml"]))
  .showHelpAfterError();

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

const rollout = program
  .command("rollout")
  .description("start or follow a Deployment, StatefulSet or DaemonSet rollout and its drains");
const rolloutFlags = (c: Command) =>
  c
    .addOption(new Option("--timeout <duration>", "give up after this long (e.g. 10m)").default("10m"))
    .addOption(new Option("--interval <duration>", "poll interval").default("1s").hideHelp());

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

const maintenanceTimeout = new Option("--timeout <duration>", "with --wait: give up after this long").default(
  "10m",
);

program
  .command("quiesce")
  .argument("<TYPE/NAME>", "deployment/NAME, statefulset/NAME or daemonset/NAME")
  .description("maintenance mode: quiesce every pod and keep it out of the endpoints, without deleting it")
  .requiredOption("--reason <text>", "why (recorded on the workload with who asked and when)")
  .option("--wait", "wait until every pod is quiesced")
  .addOption(maintenanceTimeout)
  .action(async (target: string, _opts: unknown, cmd: Command) =>
    run(async () => {
      const all = cmd.optsWithGlobals();
      const g = parseFlags(globalsSchema, all);
      const f = parseFlags(maintenanceFlagsSchema.extend({ reason: z.string().min(1).max(1024) }), all);
      const options = { reason: f.reason, wait: f.wait, timeoutMs: f.timeout };
      return await quiesceCommand(connect(g), parseWorkloadTarget(target), options, processIo());
    }),
  );

program
  .command("unquiesce")
  .argument("<TYPE/NAME>", "deployment/NAME, statefulset/NAME or daemonset/NAME")
  .description("lift maintenance mode: every pod resumes serving")
  .option("--wait", "wait until every pod serves again")
  .addOption(maintenanceTimeout)
  .action(async (target: string, _opts: unknown, cmd: Command) =>
    run(async () => {
      const all = cmd.optsWithGlobals();
      const g = parseFlags(globalsSchema, all);
      const f = parseFlags(maintenanceFlagsSchema, all);
      const options = { wait: f.wait, timeoutMs: f.timeout };
      return await unquiesceCommand(connect(g), parseWorkloadTarget(target), options, processIo());
    }),
  );

program
  .command("wait")
  .argument("<TYPE/NAME>", "deployment/NAME, statefulset/NAME or daemonset/NAME")
  .description("wait for maintenance mode to take effect or to be lifted")
  .requiredOption("--for <state>", "quiesced or unquiesced")
  .addOption(maintenanceTimeout)
  .action(async (target: string, _opts: unknown, cmd: Command) =>
    run(async () => {
      const all = cmd.optsWithGlobals();
      const g = parseFlags(globalsSchema, all);
      const f = parseFlags(maintenanceFlagsSchema.extend({ for: z.enum(["quiesced", "unquiesced"]) }), all);
      return await waitFor(connect(g), parseWorkloadTarget(target), f.for, f.timeout, processIo());
    }),
  );

addConformanceOptions(
  program
    .command("conformance")
    .description(
      "black-box checks of docs/protocol.md against a live app: one line per rule, exit 1 if a MUST fails",
    ),
).action(async (_opts: unknown, cmd: Command) =>
  run(async () => await conformanceCommand(parseConformanceFlags(cmd.optsWithGlobals()), processIo())),
);

await program.parseAsync();
