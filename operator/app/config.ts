// The operator's configuration: flags and environment, validated by zod with messages a person can act on.
import { z } from "zod";
import { JITTER_FACTOR } from "../kube/leader-election.ts";

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

export const operatorConfigSchema = z
  .object({
    kubeconfig: z.string().min(1).optional().describe("kubeconfig file; in-cluster config when absent"),
    namespace: z
      .string()
      .min(1)
      .default("quiesce-system")
      .describe("the operator's own namespace (never gated)"),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
    workers: z.coerce.number().int().min(1).max(256).default(32),
    healthHost: z.string().default("0.0.0.0"),
    healthPort: port.default(8081),
    webhookHost: z.string().default("0.0.0.0"),
    webhookPort: port.default(9443),
    webhookCertDir: z
      .string()
      .min(1)
      .optional()
      .describe("directory with tls.crt, tls.key (and ca.crt); generated when absent"),
    webhookConfig: z
      .enum(["none", "url", "service"])
      .default("none")
      .describe(
        "install the webhook configurations: none (the chart does), url (local), service (in-cluster)",
      ),
    webhookUrlHost: z.string().default("127.0.0.1"),
    serviceName: z.string().default("quiesce-operator-webhook"),
    servicePort: port.default(443),
    failurePolicy: z.enum(["Ignore", "Fail"]).default("Ignore"),
    removalRecordWaitMs: z.coerce
      .number()
      .int()
      .min(0)
      .max(4000)
      .default(50)
      .describe("how long the deletion gate waits for a removal's record before answering"),
    leaderElect: bool.default(false),
    leaseName: z.string().default("quiesce-operator"),
    leaseDurationSeconds: z.coerce.number().int().min(2).default(15),
    renewDeadlineSeconds: z.coerce.number().int().min(1).default(10),
    retryPeriodSeconds: z.coerce.number().int().min(1).default(2),
    identity: z.string().min(1).optional(),
    shutdownDelaySeconds: z.coerce
      .number()
      .min(0)
      .max(60)
      .default(0)
      .describe(
        "on SIGTERM, keep answering admission calls this long (with Connection: close) while the webhook Service lets go",
      ),
  })
  // client-go's rule for leader election: lease > renew deadline > 1.2 x retry period.
  .superRefine((c, ctx) => {
    if (!c.leaderElect) return;
    if (!(c.leaseDurationSeconds > c.renewDeadlineSeconds))
      ctx.addIssue({
        code: "custom",
        path: ["leaseDurationSeconds"],
        message: `must be greater than --renew-deadline-seconds (${c.renewDeadlineSeconds})`,
      });
    if (!(c.renewDeadlineSeconds > JITTER_FACTOR * c.retryPeriodSeconds))
      ctx.addIssue({
        code: "custom",
        path: ["renewDeadlineSeconds"],
        message: `must be greater than ${JITTER_FACTOR} x --retry-period-seconds (${c.retryPeriodSeconds})`,
      });
  });

export type OperatorConfig = z.infer<typeof operatorConfigSchema>;

/** Parses config; throws one Error listing every problem as `--flag: message`. */
export function parseOperatorConfig(input: unknown): OperatorConfig {
  const parsed = operatorConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const flag = String(i.path[0] ?? "").replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    return `--${flag}: ${i.message}`;
  });
  throw new Error(`invalid configuration:\n  ${lines.join("\n  ")}`);
}
