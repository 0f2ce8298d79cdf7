// kubectl-quiesce completion: the tree read from the real program, the bash/zsh scripts and `__complete` answers.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { commandPaths, commandTree } from "../../../operator/cli/plugin/command-tree.ts";
import { complete, completionRequest, renderCompletions } from "../../../operator/cli/plugin/complete.ts";
import { completionScript } from "../../../operator/cli/plugin/completion-scripts.ts";
import { buildProgram } from "../../../operator/cli/plugin/program.ts";

const program = buildProgram();
const tree = commandTree(program);
const bash = completionScript("bash", "kubectl-quiesce", tree);
const zsh = completionScript("zsh", "kubectl-quiesce", tree);
const values = (words: string[], toComplete: string) =>
  complete(tree, words, toComplete).candidates.map((c) => c.value);

/** What bash offers for the last word of `words` (sourcing the script, as a user's shell does). */
function bashOffers(words: string[]): string[] {
  const run = `${bash}\nCOMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _kubectl_quiesce; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync("bash", ["-c", run, "bash", "kubectl-quiesce", ...words], { encoding: "utf8" });
  return out.split("\n").filter((l) => l !== "");
}

describe("the command tree", () => {
  it("has every command of the program, nested, with inherited flags", () => {
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(["status", "rollout", "quiesce", "version", "completion"]));
    expect(tree.subcommands.map((s) => s.name)).toEqual(expect.arrayContaining(names));
    const paths = commandPaths(tree).map((p) => p.path.join(" "));
    expect(paths).toEqual(expect.arrayContaining(["rollout restart", "rollout status", "conformance"]));
    const restart = tree.subcommands
      .find((s) => s.name === "rollout")
      ?.subcommands.find((s) => s.name === "restart");
    const flags = restart?.flags.flatMap((f) => f.names) ?? [];
    expect(flags).toEqual(
      expect.arrayContaining(["--no-follow", "--timeout", "-n", "--namespace", "--kubeconfig"]),
    );
    expect(flags).not.toContain("--interval"); // hidden from --help, so not offered either
  });
});

describe("completion scripts", () => {
  it.each([
    ["bash", bash],
    ["zsh", zsh],
  ])("the %s script names every subcommand and flag", (_shell, script) => {
    for (const { path, node } of commandPaths(tree)) {
      for (const sub of node.subcommands) expect(script).toContain(`"${path.join(" ")}|${sub.name}")`);
      for (const name of node.flags.flatMap((f) => f.names)) expect(script).toContain(name);
    }
  });

  it("bash completes subcommands, nested subcommands, flags and flag values", () => {
    expect(bashOffers([""])).toEqual(tree.subcommands.map((s) => s.name));
    expect(bashOffers(["ro"])).toEqual(["rollout"]);
    expect(bashOffers(["-n", "web", "rollout", ""])).toEqual(["restart", "status", "help"]);
    expect(bashOffers(["rollout", "restart", "--no"])).toEqual(["--no-follow"]);
    expect(bashOffers(["status", "-o", ""])).toEqual(["table", "json", "yaml"]);
    expect(bashOffers(["--output", "j"])).toEqual(["json"]);
    expect(bashOffers(["wait", "deploy/web", "--for", ""])).toEqual(["quiesced", "unquiesced"]);
    expect(bashOffers(["completion", ""])).toEqual(["bash", "zsh"]);
  });

  it("the zsh script loads through compdef, or as a completion function from $fpath", () => {
    expect(zsh.startsWith("#compdef kubectl-quiesce\n")).toBe(true);
    expect(zsh).toContain("compdef _kubectl_quiesce kubectl-quiesce");
    expect(zsh).toContain("_describe -t commands command described");
  });

  it("refuses a name a shell would read as code", () => {
    expect(() =>
      completionScript("bash", "kubectl-quiesce", { ...tree, subcommands: [{ ...tree, name: "x;rm" }] }),
    ).toThrow('cannot complete "x;rm"');
  });
});

describe("__complete (kubectl_complete-quiesce)", () => {
  it("answers with candidates and cobra's directive", () => {
    expect(values([], "st")).toEqual(["status"]);
    expect(values(["rollout"], "")).toEqual(["restart", "status", "help"]);
    expect(values(["--kubeconfig", "k", "status"], "--all")).toEqual(["--all-namespaces"]);
    expect(values(["status"], "--output=y")).toEqual(["--output=yaml"]);
    expect(complete(tree, ["status", "-o"], "").directive).toBe(4);
    expect(complete(tree, ["--kubeconfig"], "").directive).toBe(0); // file names for a path
    expect(renderCompletions(complete(tree, [], "vers"))).toBe(
      "version\tthe plugin's version and the Node it runs on (-o json|yaml: as an object)\n:4\n",
    );
  });

  it("recognises both ways of asking", () => {
    expect(completionRequest(["/bin/node", "/p/kubectl-quiesce", "status"])).toBeUndefined();
    expect(completionRequest(["/bin/node", "/p/kubectl-quiesce", "__complete", "rollout", "re"])).toEqual({
      words: ["rollout"],
      toComplete: "re",
    });
    expect(completionRequest(["/p/kubectl-quiesce", "/bin/kubectl_complete-quiesce", "rollout", ""])).toEqual(
      {
        words: ["rollout"],
        toComplete: "",
      },
    );
  });
});
