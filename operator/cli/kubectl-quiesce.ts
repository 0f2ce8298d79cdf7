#!/usr/bin/env node
// `kubectl quiesce`: the kubectl plugin (status, rollout, quiesce|unquiesce|wait, conformance, version, completion).
import { commandTree } from "./plugin/command-tree.ts";
import { complete, completionRequest, renderCompletions } from "./plugin/complete.ts";
import { buildProgram } from "./plugin/program.ts";

// No top-level await: hack/build-plugin.ts bundles this file to CommonJS for the single executable.
const program = buildProgram();
const request = completionRequest(process.argv);
if (request) {
  process.stdout.write(renderCompletions(complete(commandTree(program), request.words, request.toComplete)));
} else {
  program.parseAsync().catch((error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
