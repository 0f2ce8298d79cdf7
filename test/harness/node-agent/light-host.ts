// Light-mode host: runs sample apps in this one process on their pod IPs; JSON lines in on stdin, exits out on stdout.
// Started by LightRunner inside the pod network namespace. Usage: node light-host.ts <log file>
import { createInterface } from "node:readline";
import { destination, pino } from "pino";
import { z } from "zod";
import { type SampleApp, startSampleApp } from "../../sample-app/app.ts";

const command = z.discriminatedUnion("op", [
  z.object({
    op: z.literal("start"),
    id: z.string(),
    argv: z.array(z.string()),
    env: z.record(z.string(), z.string()),
  }),
  z.object({ op: z.literal("signal"), id: z.string(), signal: z.string() }),
]);

const logger = pino({ level: "warn" }, destination({ dest: process.argv[2] ?? "/dev/null", sync: false }));
const apps = new Map<string, Promise<SampleApp | undefined>>();
const stopping = new Set<string>();

const report = (id: string, exit: { exitCode: number; signal?: number; signalName?: string }) => {
  apps.delete(id);
  process.stdout.write(`${JSON.stringify({ op: "exit", id, ...exit })}\n`);
};

/** The sample app's flags, as main.ts reads them (only the ones the scenarios use). */
function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function start(id: string, argv: readonly string[], env: Record<string, string>): void {
  const app = startSampleApp(
    {
      port: flag(argv, "--port") ?? env.PORT ?? "8080",
      adminPort: flag(argv, "--admin-port") ?? env.ADMIN_PORT,
      host: flag(argv, "--host") ?? env.POD_IP ?? "0.0.0.0",
      podName: env.POD_NAME ?? id,
      shutdownTimeoutMs: flag(argv, "--shutdown-timeout") ?? env.SHUTDOWN_TIMEOUT_MS,
    },
    { logger },
  ).catch((error: unknown) => {
    logger.error({ id, err: String(error) }, "sample app failed to start");
    report(id, { exitCode: 1 });
    return undefined;
  });
  apps.set(id, app);
}

async function signal(id: string, sig: string): Promise<void> {
  const app = await apps.get(id);
  if (!app) return;
  if (sig === "SIGKILL") {
    await app.close();
    report(id, { exitCode: 137, signal: 9, signalName: "SIGKILL" });
    return;
  }
  if (stopping.has(id)) return; // a second SIGTERM changes nothing; SIGKILL ends it
  stopping.add(id);
  const outcome = await app.shutdown();
  stopping.delete(id);
  if (apps.has(id)) report(id, { exitCode: outcome === "drained" ? 0 : 1 });
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const parsed = command.safeParse(JSON.parse(line));
  if (!parsed.success) return;
  const c = parsed.data;
  if (c.op === "start") start(c.id, c.argv, c.env);
  else void signal(c.id, c.signal);
});
process.stdin.on("end", () => process.exit(0));
