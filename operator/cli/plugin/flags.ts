// The plugin's flag schemas (zod at the commander boundary) and the wrapper that turns a command body into an exit code.
import { z } from "zod";
import { durationSchema } from "./duration.ts";

export const globalsSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  allNamespaces: z.boolean().optional(),
  output: z.enum(["table", "json", "yaml"]).default("table"),
});
export const maintenanceFlagsSchema = z.object({ wait: z.boolean().default(false), timeout: durationSchema });
export const rolloutFlagsSchema = z.object({
  timeout: durationSchema,
  interval: durationSchema,
  follow: z.boolean().default(true),
});

/** The flags commander gathered, checked; throws `invalid flags: --timeout: ...`. */
export function parseFlags<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ");
  throw new Error(`invalid flags: ${detail}`);
}

/** Runs a command body; prints `error: ...` like kubectl and sets the exit code. */
export async function run(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
