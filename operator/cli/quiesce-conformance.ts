#!/usr/bin/env node
// `quiesce-conformance`: the protocol conformance kit on its own (the same as `kubectl quiesce conformance`).
import { Command, Option } from "commander";
import {
  addConformanceOptions,
  conformanceCommand,
  parseConformanceFlags,
} from "./plugin/conformance/command.ts";
import { processIo } from "./plugin/io.ts";

const program = addConformanceOptions(
  new Command("quiesce-conformance")
    .description(
      "black-box checks of docs/protocol.md against a live app: one line per rule, exit 1 if a MUST fails",
    )
    .addOption(new Option("-o, --output <format>", "table, json or yaml").choices(["table", "json", "yaml"]))
    .showHelpAfterError(),
).action(async (opts: unknown) => {
  try {
    process.exitCode = await conformanceCommand(parseConformanceFlags(opts), processIo());
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
});

await program.parseAsync();
