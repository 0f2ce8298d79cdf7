// `kubectl quiesce completion bash|zsh`: completion scripts generated from the command tree, so they name every command.
import { type CommandNode, commandPaths, type FlagSpec } from "./command-tree.ts";

export const SHELLS = ["bash", "zsh"] as const;
export type Shell = (typeof SHELLS)[number];

const WORD = /^[A-Za-z0-9_./:-]+$/;

/** Names go into the script unquoted in case patterns and word lists: refuse anything a shell would read. */
function word(text: string): string {
  if (!WORD.test(text)) throw new Error(`cannot complete "${text}": not a plain word`);
  return text;
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const key = (path: string[]) => path.join(" ");

interface Entry {
  pattern: string;
  body: string;
}

/** A shell function `name` whose `case` prints `body` for the first pattern that matches `subject`. */
function caseFunction(name: string, comment: string, subject: string, entries: Entry[]): string {
  const arms = entries.map((e) => `    ${e.pattern}) ${e.body} ;;`);
  return [`${name}() { # ${comment}`, `  case "${subject}" in`, ...arms, "  esac", "}"].join("\n");
}

const echo = (words: string[]) => `echo ${quote(words.join(" "))}`;
const lines = (items: string[]) => (items.length > 0 ? `printf '%s\\n' ${items.map(quote).join(" ")}` : ":");
const described = (name: string, description: string) =>
  `${name.replaceAll(":", "\\:")}:${description.replace(/\s+/g, " ")}`;

/** The data functions both scripts share: subcommands, argument values, flags, value flags and flag choices. */
function dataFunctions(prog: string, root: CommandNode, withDescriptions: boolean): string[] {
  const paths = commandPaths(root);
  const at = (path: string[]) => `"${key(path)}"`;
  const subs = paths.flatMap(({ path, node }) =>
    node.subcommands.flatMap((s) =>
      [s.name, ...s.aliases].map((n) => ({
        pattern: `"${key(path)}|${word(n)}"`,
        body: `echo ${word(s.name)}`,
      })),
    ),
  );
  const offered = (node: CommandNode) => [...node.subcommands.map((s) => s.name), ...node.argumentChoices];
  const flagNames = (flags: FlagSpec[]) => flags.flatMap((f) => f.names.map(word));
  const fns = [
    caseFunction(`__${prog}_sub`, "$1 command path, $2 a word: the subcommand it names", "$1|$2", subs),
    caseFunction(
      `__${prog}_words`,
      "$1 command path: its subcommands and argument values",
      "$1",
      paths.map(({ path, node }) => ({ pattern: at(path), body: echo(offered(node).map(word)) })),
    ),
    caseFunction(
      `__${prog}_flags`,
      "$1 command path: every flag it takes, its own and inherited",
      "$1",
      paths.map(({ path, node }) => ({ pattern: at(path), body: echo(flagNames(node.flags)) })),
    ),
    caseFunction(
      `__${prog}_value_flags`,
      "$1 command path: the flags that take a value",
      "$1",
      paths.map(({ path, node }) => ({
        pattern: at(path),
        body: echo(flagNames(node.flags.filter((f) => f.takesValue))),
      })),
    ),
    caseFunction(
      `__${prog}_choices`,
      "$1 command path, $2 a flag: the values it accepts",
      "$1|$2",
      paths.flatMap(({ path, node }) =>
        node.flags
          .filter((f) => f.choices.length > 0)
          .map((f) => ({
            pattern: f.names.map((n) => `"${key(path)}|${word(n)}"`).join("|"),
            body: echo(f.choices.map(word)),
          })),
      ),
    ),
  ];
  if (!withDescriptions) return fns;
  return [
    ...fns,
    caseFunction(
      `__${prog}_described_words`,
      "$1 command path: name:description of its subcommands and argument values",
      "$1",
      paths.map(({ path, node }) => ({
        pattern: at(path),
        body: lines([
          ...node.subcommands.map((s) => described(s.name, s.description)),
          ...node.argumentChoices.map((c) => described(c, c)),
        ]),
      })),
    ),
    caseFunction(
      `__${prog}_described_flags`,
      "$1 command path: name:description of its flags",
      "$1",
      paths.map(({ path, node }) => ({
        pattern: at(path),
        body: lines(node.flags.flatMap((f) => f.names.map((n) => described(n, f.description)))),
      })),
    ),
  ];
}

/** The loop both shells run: walk the typed words to the command path, noting a flag that waits for its value. */
function walk(prog: string, first: string, last: string, wordAt: string): string[] {
  return [
    `  local cmdpath="" word sub flag="" skip=0 i`,
    `  for ((i = ${first}; i < ${last}; i++)); do`,
    `    word=${wordAt}`,
    `    if ((skip)); then skip=0; flag=""; continue; fi`,
    `    if [[ $word == -* ]]; then`,
    `      if [[ $word != *=* && " $(__${prog}_value_flags "$cmdpath") " == *" $word "* ]]; then skip=1; flag=$word; fi`,
    "      continue",
    "    fi",
    `    sub=$(__${prog}_sub "$cmdpath" "$word")`,
    `    [[ -n $sub ]] && cmdpath=\${cmdpath:+$cmdpath }$sub`,
    "  done",
  ];
}

function bash(bin: string, prog: string, root: CommandNode): string {
  return [
    `# bash completion for ${bin}, generated from its command definitions by \`${bin} completion bash\`.`,
    `# Load it with: source <(${bin} completion bash)`,
    ...dataFunctions(prog, root, false),
    `_${prog}() {`,
    `  local cur=\${COMP_WORDS[COMP_CWORD]}`,
    ...walk(prog, "1", "COMP_CWORD", `\${COMP_WORDS[i]}`),
    "  if ((skip)); then",
    `    local choices; choices=$(__${prog}_choices "$cmdpath" "$flag")`,
    `    if [[ -n $choices ]]; then COMPREPLY=($(compgen -W "$choices" -- "$cur")); else compopt -o default; COMPREPLY=(); fi`,
    "    return 0",
    "  fi",
    `  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$(__${prog}_flags "$cmdpath")" -- "$cur")); return 0; fi`,
    `  COMPREPLY=($(compgen -W "$(__${prog}_words "$cmdpath")" -- "$cur"))`,
    "}",
    `complete -F _${prog} ${bin}`,
    "",
  ].join("\n");
}

function zsh(bin: string, prog: string, root: CommandNode): string {
  return [
    `#compdef ${bin}`,
    `# zsh completion for ${bin}, generated from its command definitions by \`${bin} completion zsh\`.`,
    `# Load it with: source <(${bin} completion zsh) after compinit, or save it as _${bin} in a directory of $fpath.`,
    ...dataFunctions(prog, root, true),
    `_${prog}() {`,
    `  local cur=\${words[CURRENT]}`,
    ...walk(prog, "2", "CURRENT", `\${words[i]}`),
    "  if ((skip)); then",
    `    local -a choices; choices=(\${=$(__${prog}_choices "$cmdpath" "$flag")})`,
    `    if ((\${#choices})); then compadd -a choices; else _files; fi`,
    "    return",
    "  fi",
    "  local -a described",
    "  if [[ $cur == -* ]]; then",
    `    described=("\${(@f)$(__${prog}_described_flags "$cmdpath")}"); _describe -t flags flag described`,
    "  else",
    `    described=("\${(@f)$(__${prog}_described_words "$cmdpath")}"); _describe -t commands command described`,
    "  fi",
    "}",
    `if [[ $funcstack[1] == _${bin} ]]; then _${prog} "$@"; else compdef _${prog} ${bin}; fi`,
    "",
  ].join("\n");
}

/** The completion script for `bin` (the executable's name, e.g. kubectl-quiesce). */
export function completionScript(shell: Shell, bin: string, root: CommandNode): string {
  const prog = word(bin).replaceAll(/[^A-Za-z0-9_]/g, "_");
  return shell === "bash" ? bash(bin, prog, root) : zsh(bin, prog, root);
}
