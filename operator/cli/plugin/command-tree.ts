// The plugin's commands and flags as plain data, read from the commander program: what shell completion offers.
import type { Command, Option } from "commander";

export interface FlagSpec {
  /** `-n`, `--namespace` (short first). */
  names: string[];
  takesValue: boolean;
  /** The values the flag accepts, when commander knows them (`.choices()`). */
  choices: string[];
  description: string;
}

export interface CommandNode {
  name: string;
  aliases: string[];
  description: string;
  /** Every flag the command takes: its own and those inherited from its parents (`-n`, `-o`, ...). */
  flags: FlagSpec[];
  /** Values of its first positional argument, when it has choices (`completion bash|zsh`). */
  argumentChoices: string[];
  subcommands: CommandNode[];
}

function flagSpec(option: Option): FlagSpec {
  return {
    names: [option.short, option.long].filter((n): n is string => n !== undefined),
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
    description: option.description,
  };
}

/** The visible commands and flags (as `--help` shows them) of `command` and everything below it. */
export function commandTree(command: Command, inherited: readonly FlagSpec[] = []): CommandNode {
  const help = command.createHelp();
  const own = help.visibleOptions(command).map(flagSpec);
  const taken = new Set(own.flatMap((f) => f.names));
  const flags = [...own, ...inherited.filter((f) => !f.names.some((n) => taken.has(n)))];
  return {
    name: command.name(),
    aliases: command.aliases(),
    description: command.description(),
    flags,
    argumentChoices: command.registeredArguments[0]?.argChoices ?? [],
    subcommands: help.visibleCommands(command).map((c) => commandTree(c, flags)),
  };
}

/** Every command below the root with its path (`["rollout", "restart"]`); the root has the empty path. */
export function commandPaths(root: CommandNode): { path: string[]; node: CommandNode }[] {
  const walk = (node: CommandNode, path: string[]): { path: string[]; node: CommandNode }[] => [
    { path, node },
    ...node.subcommands.flatMap((s) => walk(s, [...path, s.name])),
  ];
  return walk(root, []);
}
