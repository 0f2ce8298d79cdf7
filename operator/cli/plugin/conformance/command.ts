// `conformance`: flags (zod at the boundary), the probe against the live app, the evaluation and its report.
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { stringify } from "yaml";
import { z } from "zod";
import { durationSchema } from "../duration.ts";
import type { PluginIo } from "../io.ts";
import { type ProbeDeps, probe } from "./probe.ts";
import { buildReport, renderText } from "./report.ts";
import { evaluate } from "./rules.ts";

const httpUrl = z
  .string()
  .refine(
    (v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
    "must be an http:// or https:// URL",
  );

export const conformanceFlagsSchema = z
  .object({
    url: httpUrl,
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    workUrl: httpUrl.optional(),
    livenessUrl: httpUrl.optional(),
    timeout: durationSchema,
    output: z.enum(["table", "json", "yaml"]).default("table"),
  })
  .refine(
    (f) => f.token === undefined || f.tokenFile === undefined,
    "give --token or --token-file, not both",
  );
export type ConformanceFlags = z.output<typeof conformanceFlagsSchema>;

/** The flags commander gathered, checked; throws `invalid flags: --url: ...`. */
export function parseConformanceFlags(value: unknown): ConformanceFlags {
  const parsed = conformanceFlagsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((i) => (i.path.length > 0 ? `--${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
  throw new Error(`invalid flags: ${detail}`);
}

/** The command's own flags (the kubectl plugin adds -o globally; the standalone command adds it itself). */
export function addConformanceOptions(command: Command): Command {
  return command
    .requiredOption("--url <url>", "the app's quiesce endpoint, e.g. http://POD:PORT/quiesce")
    .option("--token <token>", "bearer token the app expects")
    .option("--token-file <path>", "file holding the bearer token")
    .option("--work-url <url>", "the app's work endpoint, best one that holds work ~1 s (e.g. /work?ms=1500)")
    .option("--liveness-url <url>", "the app's liveness probe (must stay 200 while quiescing)")
    .addOption(new Option("--timeout <duration>", "per call, and for held work to drain").default("10s"));
}

function readToken(path: string): string {
  try {
    const token = readFileSync(path, "utf8").trim();
    if (token === "") throw new Error("the file is empty");
    return token;
  } catch (error) {
    throw new Error(`--token-file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs the kit; 0 when every MUST passed, 1 otherwise. Throws on invalid flags. */
export async function conformanceCommand(
  flags: ConformanceFlags,
  io: PluginIo,
  deps: ProbeDeps = {},
): Promise<number> {
  const token = flags.tokenFile !== undefined ? readToken(flags.tokenFile) : flags.token;
  const recording = await probe(
    {
      url: flags.url,
      timeoutMs: flags.timeout,
      ...(token !== undefined ? { token } : {}),
      ...(flags.workUrl ? { workUrl: flags.workUrl } : {}),
      ...(flags.livenessUrl ? { livenessUrl: flags.livenessUrl } : {}),
    },
    deps,
  );
  const report = buildReport(flags.url, evaluate(recording));
  if (flags.output === "json") io.out(JSON.stringify(report, null, 2));
  else if (flags.output === "yaml") io.out(stringify(report).trimEnd());
  else for (const line of renderText(report)) io.out(line);
  return report.conformant ? 0 : 1;
}
