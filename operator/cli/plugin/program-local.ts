// The commands of the plugin's program that need no cluster: version and completion.
import { Argument, type Command } from "commander";
import { commandTree } from "./command-tree.ts";
import { completionScript, SHELLS, type Shell } from "./completion-scripts.ts";
import { globalsSchema, parseFlags, run } from "./flags.ts";
import { renderVersion, versionInfo } from "./version.ts";

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

export function addLocalCommands(program: Command): void {
  program
    .command("version")
    .description("the plugin's version and the Node it runs on (-o json|yaml: as an object)")
    .action(async (_opts: unknown, cmd: Command) =>
      run(async () => {
        const g = parseFlags(globalsSchema, cmd.optsWithGlobals());
        process.stdout.write(`${renderVersion(versionInfo(), g.output)}\n`);
        return 0;
      }),
    );

  program
    .command("completion")
    .addArgument(new Argument("<shell>", "bash or zsh").choices(SHELLS))
    .description("print a shell completion script: source <(kubectl-quiesce completion bash)")
    .action(async (shell: Shell, _opts: unknown, cmd: Command) =>
      run(async () => {
        const root = rootOf(cmd);
        process.stdout.write(completionScript(shell, root.name(), commandTree(root)));
        return 0;
      }),
    );
}
