// Sample app entry point: flags and env -> startSampleApp(); graceful SIGTERM with a hard cap.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { Command } from "commander";
import pino from "pino";
import { startSampleApp } from "./app.ts";
import { sampleAppOptionsSchema } from "./options.ts";

const env = process.env;
const program = new Command()
  .name("sample-app")
  .description("Sample app for quiesce-operator, built on @quiesce-operator/sdk")
  .option("--port <port>", "main port (env PORT)", env.PORT ?? "8080")
  .option(
    "--admin-port <port>",
    "admin port for /quiesce, /healthz, /readyz (env ADMIN_PORT)",
    env.ADMIN_PORT,
  )
  .option("--host <ip>", "address to bind (env POD_IP)", env.POD_IP ?? "0.0.0.0")
  .option(
    "--token-file <path>",
    "file holding the bearer token for /quiesce (env QUIESCE_TOKEN_FILE)",
    env.QUIESCE_TOKEN_FILE,
  )
  .option(
    "--retry-after <seconds>",
    "Retry-After on 503 while quiescing (env RETRY_AFTER_SECONDS)",
    env.RETRY_AFTER_SECONDS,
  )
  .option(
    "--shutdown-timeout <ms>",
    "hard cap on graceful shutdown (env SHUTDOWN_TIMEOUT_MS)",
    env.SHUTDOWN_TIMEOUT_MS,
  )
  .parse();

const flags = program.opts<{
  port: string;
  adminPort?: string;
  host: string;
  tokenFile?: string;
  retryAfter?: string;
  shutdownTimeout?: string;
}>();
const logger = pino();

try {
  const token = flags.tokenFile ? readFileSync(flags.tokenFile, "utf8").trim() : env.QUIESCE_TOKEN?.trim();
  const options = sampleAppOptionsSchema.parse({
    port: flags.port,
    adminPort: flags.adminPort,
    host: flags.host,
    token: token || undefined,
    podName: env.POD_NAME || hostname(),
    retryAfterSeconds: flags.retryAfter,
    shutdownTimeoutMs: flags.shutdownTimeout,
  });
  const app = await startSampleApp(options, { logger });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, status: app.quiescer.status() }, "graceful shutdown");
    void app.shutdown().then((outcome) => process.exit(outcome === "drained" ? 0 : 1));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
} catch (err) {
  logger.fatal({ err }, "sample app failed to start");
  process.exit(1);
}
