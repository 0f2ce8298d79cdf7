// Answers cobra-style `__complete` requests (what kubectl asks `kubectl_complete-quiesce`): candidates, then `:directive`.
import type { CommandNode, FlagSpec } from "./command-tree.ts";

/** cobra's ShellCompDirective bits: 0 lets the shell complete file names, 4 does not. */
export const DIRECTIVE_DEFAULT = 0;
export const DIRECTIVE_NO_FILE = 4;

export interface Completions {
  candidates: { value: string; description: string }[];
  directive: number;
}

interface Position {
  node: CommandNode;
  /** The flag whose value the next word is. */
  pending?: FlagSpec;
}

function flagNamed(node: CommandNode, name: string): FlagSpec | undefined {
  return node.flags.find((f) => f.names.includes(name));
}

/** Follows the typed words down the command tree, stepping over flags and their values. */
function locate(root: CommandNode, words: readonly string[]): Position {
  let node = root;
  let pending: FlagSpec | undefined;
  for (const word of words) {
    if (pending) {
      pending = undefined;
    } else if (word.startsWith("-")) {
      const flag = word.includes("=") ? undefined : flagNamed(node, word);
      if (flag?.takesValue) pending = flag;
    } else {
      node = node.subcommands.find((s) => s.name === word || s.aliases.includes(word)) ?? node;
    }
  }
  return pending ? { node, pending } : { node };
}

function values(flag: FlagSpec, prefix: string, toComplete: string): Completions {
  const candidates = flag.choices
    .filter((c) => c.startsWith(toComplete))
    .map((c) => ({ value: `${prefix}${c}`, description: "" }));
  return { candidates, directive: flag.choices.length > 0 ? DIRECTIVE_NO_FILE : DIRECTIVE_DEFAULT };
}

/** The completions of `toComplete` after `words` (the arguments already typed after `kubectl quiesce`). */
export function complete(root: CommandNode, words: readonly string[], toComplete: string): Completions {
  const { node, pending } = locate(root, words);
  if (pending) return values(pending, "", toComplete);
  if (toComplete.startsWith("-")) {
    const eq = toComplete.indexOf("=");
    if (eq > 0) {
      const flag = flagNamed(node, toComplete.slice(0, eq));
      if (flag?.takesValue) return values(flag, toComplete.slice(0, eq + 1), toComplete.slice(eq + 1));
      return { candidates: [], directive: DIRECTIVE_NO_FILE };
    }
    const candidates = node.flags.flatMap((f) =>
      f.names.filter((n) => n.startsWith(toComplete)).map((n) => ({ value: n, description: f.description })),
    );
    return { candidates, directive: DIRECTIVE_NO_FILE };
  }
  const offered = [
    ...node.subcommands.map((s) => ({ value: s.name, description: s.description })),
    ...node.argumentChoices.map((c) => ({ value: c, description: "" })),
  ];
  return { candidates: offered.filter((w) => w.value.startsWith(toComplete)), directive: DIRECTIVE_NO_FILE };
}

/** cobra's output: `value<TAB>description` per line, then `:directive`. */
export function renderCompletions(c: Completions): string {
  const lines = c.candidates.map((x) => (x.description ? `${x.value}\t${x.description}` : x.value));
  return `${[...lines, `:${c.directive}`].join("\n")}\n`;
}

/**
 * The completion request in argv, or undefined: `kubectl-quiesce __complete ARGS... WORD`, or the executable called as
 * `kubectl_complete-quiesce ARGS... WORD` (a link to it; kubectl >= 1.26 runs that for `kubectl quiesce <TAB>`).
 */
export function completionRequest(
  argv: readonly string[],
): { words: string[]; toComplete: string } | undefined {
  const invoked = (argv[1] ?? "").split("/").pop() ?? "";
  const args = invoked.startsWith("kubectl_complete-")
    ? argv.slice(2)
    : argv[2] === "__complete"
      ? argv.slice(3)
      : undefined;
  if (args === undefined) return undefined;
  return { words: args.slice(0, -1), toComplete: args.at(-1) ?? "" };
}
