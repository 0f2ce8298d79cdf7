// Writes docs/configuration.md from the zod schemas (QuiescePolicy spec, operator flags) and the chart's values
// schema, and the chart's README.md (packaged with it); `--check` fails when a committed file differs.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { type JsonSchema, specOpenApiSchema } from "../operator/api/crd.ts";
import { operatorConfigSchema } from "../operator/app/config.ts";
import { writeOrCheck } from "./generated-file.ts";

const target = fileURLToPath(new URL("../docs/configuration.md", import.meta.url));
const chartReadme = fileURLToPath(new URL("../charts/quiesce-operator/README.md", import.meta.url));
const chartDir = fileURLToPath(new URL("../charts/quiesce-operator/", import.meta.url));

/** Descriptions for fields the zod schema leaves undescribed (add `.describe()` there to move them). */
const POLICY_NOTES: Record<string, string> = {
  "spec.selector": "Pods of this namespace the policy governs (required, must not be empty).",
  "spec.mode": "Enforce gates removals; DryRun only reports what it would do.",
  "spec.endpoint.path": "HTTP path of the quiesce endpoint (POST starts, GET polls, DELETE resumes).",
  "spec.endpoint.scheme": "HTTPS does not verify the pod's certificate; the bearer token authenticates.",
  "spec.endpoint.requestTimeoutSeconds": "Timeout of one call to the endpoint.",
  "spec.drain.timeoutSeconds":
    "Longest a drain may take, from the quiesce start; then onTimeout applies. A pod a Service still routes to at that moment (never quiesced: its EndpointSlices lag) is removed once it has left them, at most one more timeoutSeconds later.",
  "spec.drain.pollIntervalSeconds": "Interval between in-flight polls.",
  "spec.drain.settleSeconds":
    "Most time to wait, once no EndpointSlice lists the pod as serving, for load balancers to stop sending work (an unchanged `accepted` count over one poll ends it early).",
  "spec.drain.onTimeout": "Delete removes the pod anyway; Keep leaves it NotReady and flagged.",
  "spec.drain.injectPreStop":
    "Also inject a preStop sleep of settleSeconds into each container without a preStop, for removals the deletion gate never sees (webhook down, kubelet eviction, node shutdown).",
  "spec.budget.minServing": "Refuse to start a drain while fewer other pods of the workload are serving.",
};
const CONFIG_NOTES: Record<string, string> = {
  logLevel: "pino log level (JSON logs on stdout).",
  workers: "Concurrent drain reconciles; one pod is never reconciled by two workers.",
  healthHost: "Address of the health server.",
  healthPort: "Port of /healthz, /readyz (caches synced) and /metrics.",
  webhookHost: "Address of the HTTPS admission webhook server.",
  webhookPort: "Port of the webhook server (0 picks a free port).",
  webhookUrlHost: "Host in the webhook URL of `--webhook-config url`.",
  serviceName: "Webhook Service name (`--webhook-config service`, and the generated certificate's SANs).",
  servicePort: "Webhook Service port (`--webhook-config service`).",
  failurePolicy: "failurePolicy of the webhook configurations the operator installs itself.",
  removalRecordWaitMs:
    "The deletion gate denies a removal once it has started recording it on the pod, and waits at most this long for that write before answering; a slower write (an overloaded API server) finishes in the background with retries. Short keeps admission fast under bursts of deletions; the ReplicaSet excess cap and the deletion cost keep a retried scale-down on the pods already marked.",
  leaderElect: "Elect a leader on a Lease before running drains (required with more than one replica).",
  leaseName: "Name of the Lease in `--namespace`.",
  leaseDurationSeconds: "How long a lease holds without renewal; must exceed the renew deadline.",
  renewDeadlineSeconds:
    "The leader steps down when it cannot renew within this time; must exceed 1.2 x the retry period.",
  retryPeriodSeconds: "Interval between acquire/renew attempts.",
  identity: "Leader election identity (default: host-pid; the pod name in the chart).",
};
const CONFIG_ENV_EXCEPTIONS: Record<string, string> = {
  kubeconfig: "KUBECONFIG",
  namespace: "POD_NAMESPACE",
  identity: "POD_NAME",
};

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (v: unknown) =>
  v === undefined ? "" : `\`${typeof v === "string" && v !== "" ? v : JSON.stringify(v)}\``;

function typeOf(s: JsonSchema): string {
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => String(v)).join(" \\| ");
  if (s["x-kubernetes-int-or-string"] === true) return "int or string";
  if (Array.isArray(s.anyOf)) return (s.anyOf as JsonSchema[]).map(typeOf).join(" or ");
  if (Array.isArray(s.oneOf)) return (s.oneOf as JsonSchema[]).map(typeOf).join(" or ");
  if (s.type === "array") return `${typeOf((s.items as JsonSchema) ?? {})}[]`;
  return String(s.type ?? "any");
}

function constraints(s: JsonSchema): string {
  const out: string[] = [];
  if (s.minimum !== undefined) out.push(`>= ${s.minimum}`);
  if (s.maximum !== undefined) out.push(`<= ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength !== 0) out.push(`min length ${s.minLength}`);
  if (s.maxLength !== undefined) out.push(`max length ${s.maxLength}`);
  return out.join(", ");
}

interface Row {
  path: string;
  schema: JsonSchema;
  required: boolean;
}

function walk(schema: JsonSchema, path: string, required: boolean, rows: Row[]): void {
  rows.push({ path, schema, required });
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const req = new Set((schema.required ?? []) as string[]);
  for (const [key, child] of Object.entries(props)) walk(child, `${path}.${key}`, req.has(key), rows);
}

function policySection(): string[] {
  const rows: Row[] = [];
  walk(specOpenApiSchema(), "spec", true, rows);
  const lines = [
    "## QuiescePolicy (`quiesce.dev/v1alpha1`)",
    "",
    "From the zod schema in `operator/api/quiesce-policy.ts` (the CRD in `crds/` is generated from the same schema).",
    "",
    "| field | type | default | required | description |",
    "|---|---|---|---|---|",
  ];
  const rules: string[] = [];
  for (const r of rows.slice(1)) {
    if (r.path.startsWith("spec.selector.match")) continue; // a standard LabelSelector
    const s = r.schema;
    const desc = [typeof s.description === "string" ? s.description : POLICY_NOTES[r.path], constraints(s)]
      .filter(Boolean)
      .join(" ");
    lines.push(
      `| \`${r.path}\` | ${typeOf(s)} | ${code(s.default)} | ${r.required ? "yes" : ""} | ${cell(desc ?? "")} |`,
    );
    for (const v of (s["x-kubernetes-validations"] ?? []) as { message: string }[]) rules.push(v.message);
  }
  lines.push("", "Validation rules the API server enforces (CEL), with their messages:", "");
  for (const m of [...new Set(rules)]) lines.push(`- ${m}`);
  return lines;
}

function configSection(): string[] {
  const json = z.toJSONSchema(operatorConfigSchema, { io: "input" }) as JsonSchema;
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const defaults = operatorConfigSchema.parse({}) as Record<string, unknown>;
  const lines = [
    "## Operator flags (`quiesce-operator run`)",
    "",
    "From the zod schema in `operator/app/config.ts`. Every flag can also be set by its environment variable.",
    "",
    "| flag | environment | type | default | description |",
    "|---|---|---|---|---|",
  ];
  for (const [key, s] of Object.entries(props)) {
    const env = CONFIG_ENV_EXCEPTIONS[key] ?? `QUIESCE_${snake(key)}`;
    const type = Array.isArray(s.anyOf) ? typeOf((s.anyOf as JsonSchema[])[0] ?? {}) : typeOf(s);
    lines.push(
      `| \`--${kebab(key)}\` | \`${env}\` | ${type} | ${code(defaults[key])} | ${cell(String(s.description ?? CONFIG_NOTES[key] ?? ""))} |`,
    );
  }
  return lines;
}

function valueRows(schema: JsonSchema, defaults: unknown, path: string, out: string[]): void {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, s] of Object.entries(props)) {
    const p = path ? `${path}.${key}` : key;
    const value = (defaults as Record<string, unknown> | undefined)?.[key];
    if (s.type === "object" && s.properties && s.additionalProperties === false) {
      out.push(`| \`${p}\` | object |  | ${cell(String(s.description ?? ""))} |`);
      valueRows(s, value, p, out);
      continue;
    }
    const shown =
      value === undefined || (typeof value === "object" && value !== null) ? code(value) : code(value);
    out.push(
      `| \`${p}\` | ${typeOf(s)} | ${shown.length > 80 ? "see values.yaml" : shown} | ${cell(String(s.description ?? ""))} |`,
    );
  }
}

function valuesTable(): string[] {
  const schema = JSON.parse(readFileSync(`${chartDir}values.schema.json`, "utf8")) as JsonSchema;
  const defaults = parse(readFileSync(`${chartDir}values.yaml`, "utf8")) as unknown;
  const lines = ["| value | type | default | description |", "|---|---|---|---|"];
  valueRows(schema, defaults, "", lines);
  return lines;
}

function chartSection(): string[] {
  return [
    "## Helm chart values (`charts/quiesce-operator`)",
    "",
    "From `values.schema.json` (Helm validates values against it) and the defaults in `values.yaml`.",
    "",
    ...valuesTable(),
  ];
}

/** The chart's README.md: what `helm show readme` and a chart repository display. */
export function renderChartReadme(): string {
  return `${[
    "# quiesce-operator Helm chart",
    "",
    "<!-- Generated by `node hack/gen-docs.ts` from values.schema.json and values.yaml: do not edit. -->",
    "",
    "Makes every planned pod removal a quiesce: the pod is marked NotReady through a readiness gate, its quiesce",
    "endpoint is called, its in-flight work is polled, and it is deleted only when it has drained or its",
    "QuiescePolicy's timeout expires. Workloads opt in with a `QuiescePolicy` in their namespace.",
    "",
    "## Install",
    "",
    "```sh",
    "helm install quiesce-operator quiesce-operator-<version>.tgz \\",
    "  --namespace quiesce-system --create-namespace \\",
    "  --set image.repository=registry.example.com/quiesce-operator",
    "kubectl -n quiesce-system rollout status deployment/quiesce-operator",
    "```",
    "",
    "`image.tag` defaults to the chart's appVersion. The CRD (`crds/`) is installed on the first install only: Helm",
    "never upgrades CRDs, so apply `crds/` with `kubectl apply --server-side` before a `helm upgrade` that changes",
    "it. Kubernetes 1.30 or newer. The project's docs/install.md covers registries, certificates and monitoring.",
    "",
    "## Values",
    "",
    "Helm validates values against `values.schema.json`.",
    "",
    ...valuesTable(),
  ].join("\n")}\n`;
}

export function renderConfigurationDoc(): string {
  return `${[
    "# Configuration reference",
    "",
    "<!-- Generated by `node hack/gen-docs.ts` from the zod schemas and the chart's values schema: do not edit. -->",
    "",
    ...policySection(),
    "",
    ...configSection(),
    "",
    ...chartSection(),
  ].join("\n")}\n`;
}

writeOrCheck(
  target,
  renderConfigurationDoc(),
  `${target} is out of date; run: node hack/gen-docs.ts (and commit the result)`,
);
writeOrCheck(
  chartReadme,
  renderChartReadme(),
  `${chartReadme} is out of date; run: node hack/gen-docs.ts (and commit the result)`,
);
