#!/usr/bin/env node
// `quiesce-operator run`: the operator process (flags and env validated by zod), with graceful shutdown.
import { Command, Option } from "commander";
import { parseOperatorConfig } from "../app/config.ts";
import { startOperator } from "../app/start-operator.ts";
import { createLogger } from "../observability/logger.ts";

const program = new Command("quiesce-operator").description("makes every planned pod removal a quiesce");

const env = (name: string) => `QUIESCE_${name}`;
program
  .command("run")
  .description("run the operator: webhooks, drain controller, policy status")
  .addOption(
    new Option("--kubeconfig <path>", "kubeconfig (in-cluster config when absent)").env("KUBECONFIG"),
  )
  .addOption(new Option("--namespace <ns>", "the operator's own namespace").env("POD_NAMESPACE"))
  .addOption(new Option("--log-level <level>", "trace|debug|info|warn|error").env(env("LOG_LEVEL")))
  .addOption(new Option("--workers <n>", "concurrent drain reconciles").env(env("WORKERS")))
  .addOption(
    new Option(
      "--removal-record-wait-ms <ms>",
      "longest the deletion gate waits for a removal's record before answering",
    ).env(env("REMOVAL_RECORD_WAIT_MS")),
  )
  .addOption(new Option("--health-host <host>").env(env("HEALTH_HOST")))
  .addOption(new Option("--health-port <port>", "/healthz, /readyz, /metrics").env(env("HEALTH_PORT")))
  .addOption(new Option("--webhook-host <host>").env(env("WEBHOOK_HOST")))
  .addOption(
    new Option("--webhook-port <port>", "HTTPS admission webhooks (0 picks a free port)").env(
      env("WEBHOOK_PORT"),
    ),
  )
  .addOption(
    new Option(
      "--webhook-cert-dir <dir>",
      "tls.crt, tls.key, ca.crt; reloaded on change; generated when absent",
    ).env(env("WEBHOOK_CERT_DIR")),
  )
  .addOption(
    new Option("--webhook-config <mode>", "install webhook configurations: none|url|service").env(
      env("WEBHOOK_CONFIG"),
    ),
  )
  .addOption(
    new Option("--webhook-url-host <host>", "host in the url mode's webhook URL").env(
      env("WEBHOOK_URL_HOST"),
    ),
  )
  .addOption(
    new Option("--service-name <name>", "webhook Service (service mode, cert SANs)").env(env("SERVICE_NAME")),
  )
  .addOption(new Option("--service-port <port>").env(env("SERVICE_PORT")))
  .addOption(new Option("--failure-policy <policy>", "Ignore|Fail").env(env("FAILURE_POLICY")))
  .addOption(
    new Option("--leader-elect [bool]", "elect a leader on a Lease before running drains").env(
      env("LEADER_ELECT"),
    ),
  )
  .addOption(new Option("--lease-name <name>").env(env("LEASE_NAME")))
  .addOption(new Option("--lease-duration-seconds <s>").env(env("LEASE_DURATION_SECONDS")))
  .addOption(new Option("--renew-deadline-seconds <s>").env(env("RENEW_DEADLINE_SECONDS")))
  .addOption(new Option("--retry-period-seconds <s>").env(env("RETRY_PERIOD_SECONDS")))
  .addOption(new Option("--identity <id>", "leader election identity (default host-pid)").env("POD_NAME"))
  .addOption(
    new Option(
      "--shutdown-delay-seconds <s>",
      "on SIGTERM: release the lease, then keep serving webhooks this long before exiting",
    ).env(env("SHUTDOWN_DELAY_SECONDS")),
  )
  .action(async (raw: Record<string, unknown>) => {
    const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    if (cleaned.leaderElect === true) cleaned.leaderElect = "true";
    let config: ReturnType<typeof parseOperatorConfig>;
    try {
      config = parseOperatorConfig(cleaned);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(2);
    }
    const logger = createLogger(config.logLevel);
    const operator = await startOperator(config, logger).catch((error: unknown) => {
      logger.fatal(
        { err: error instanceof Error ? error.message : String(error) },
        "operator failed to start",
      );
      process.exit(1);
    });
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      const force = setTimeout(() => process.exit(1), 20_000 + config.shutdownDelaySeconds * 1000);
      force.unref();
      operator.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
  });

await program.parseAsync();
