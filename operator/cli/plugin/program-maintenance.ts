// The maintenance-mode commands of the plugin's program: quiesce, unquiesce and wait.
import { type Command, Option } from "commander";
import { z } from "zod";
import { globalsSchema, maintenanceFlagsSchema, parseFlags, run } from "./flags.ts";
import { processIo } from "./io.ts";
import { connect } from "./kube.ts";
import { quiesceCommand, unquiesceCommand, waitFor } from "./maintenance-command.ts";
import { parseWorkloadTarget } from "./target.ts";

const TARGET = ["<TYPE/NAME>", "deployment/NAME, statefulset/NAME or daemonset/NAME"] as const;
const timeout = () =>
  new Option("--timeout <duration>", "with --wait: give up after this long").default("10m");

export function addMaintenanceCommands(program: Command): void {
  program
    .command("quiesce")
    .argument(...TARGET)
    .description("maintenance mode: quiesce every pod and keep it out of the endpoints, without deleting it")
    .requiredOption("--reason <text>", "why (recorded on the workload with who asked and when)")
    .option("--wait", "wait until every pod is quiesced")
    .addOption(timeout())
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
    .argument(...TARGET)
    .description("lift maintenance mode: every pod resumes serving")
    .option("--wait", "wait until every pod serves again")
    .addOption(timeout())
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
    .argument(...TARGET)
    .description("wait for maintenance mode to take effect or to be lifted")
    .addOption(
      new Option("--for <state>", "quiesced or unquiesced")
        .choices(["quiesced", "unquiesced"])
        .makeOptionMandatory(),
    )
    .addOption(timeout())
    .action(async (target: string, _opts: unknown, cmd: Command) =>
      run(async () => {
        const all = cmd.optsWithGlobals();
        const g = parseFlags(globalsSchema, all);
        const f = parseFlags(maintenanceFlagsSchema.extend({ for: z.enum(["quiesced", "unquiesced"]) }), all);
        return await waitFor(connect(g), parseWorkloadTarget(target), f.for, f.timeout, processIo());
      }),
    );
}
