// Invalid QuiescePolicy specs with the message zod gives and the text the API server's rejection must contain.
// Shared with the integration test that applies them to a real API server.
import { MESSAGES } from "../../../operator/api/quiesce-policy.ts";

export interface InvalidPolicyCase {
  name: string;
  spec: Record<string, unknown>;
  /** Field path (under spec) zod reports. */
  path: string;
  /** Substring of zod's message. */
  message: string;
  /** Substring of the API server's rejection. */
  apiServer: string;
}

const selector = { matchLabels: { app: "sprout" } };
const drain = { timeoutSeconds: 600 };

export const INVALID_POLICIES: InvalidPolicyCase[] = [
  {
    name: "empty selector",
    spec: { selector: {}, drain },
    path: "selector",
    message: MESSAGES.selectorEmpty,
    apiServer: MESSAGES.selectorEmpty,
  },
  {
    name: "selector with empty matchLabels",
    spec: { selector: { matchLabels: {} }, drain },
    path: "selector",
    message: MESSAGES.selectorEmpty,
    apiServer: MESSAGES.selectorEmpty,
  },
  {
    name: "missing selector",
    spec: { drain },
    path: "selector",
    message: "expected object",
    apiServer: "spec.selector: Required value",
  },
  {
    name: "In without values",
    spec: { selector: { matchExpressions: [{ key: "app", operator: "In" }] }, drain },
    path: "selector.matchExpressions.0.values",
    message: MESSAGES.valuesRequired,
    apiServer: MESSAGES.valuesRequired,
  },
  {
    name: "Exists with values",
    spec: { selector: { matchExpressions: [{ key: "app", operator: "Exists", values: ["x"] }] }, drain },
    path: "selector.matchExpressions.0.values",
    message: MESSAGES.valuesForbidden,
    apiServer: MESSAGES.valuesForbidden,
  },
  {
    name: "invalid label value",
    spec: { selector: { matchLabels: { app: "not a label!" } }, drain },
    path: "selector.matchLabels.app",
    message: MESSAGES.labelValue,
    apiServer: "spec.selector.matchLabels.app in body should match",
  },
  {
    name: "unknown mode",
    spec: { selector, mode: "Audit", drain },
    path: "mode",
    message: 'expected one of "Enforce"|"DryRun"',
    apiServer: 'spec.mode: Unsupported value: "Audit"',
  },
  {
    name: "port 0",
    spec: { selector, endpoint: { port: 0 }, drain },
    path: "endpoint.port",
    message: MESSAGES.port,
    apiServer: MESSAGES.port,
  },
  {
    name: "port 70000",
    spec: { selector, endpoint: { port: 70000 }, drain },
    path: "endpoint.port",
    message: MESSAGES.port,
    apiServer: MESSAGES.port,
  },
  {
    name: "port name not an IANA_SVC_NAME",
    spec: { selector, endpoint: { port: "Admin_Port" }, drain },
    path: "endpoint.port",
    message: MESSAGES.port,
    apiServer: MESSAGES.port,
  },
  {
    name: "path without leading slash",
    spec: { selector, endpoint: { port: 8081, path: "quiesce" }, drain },
    path: "endpoint.path",
    message: MESSAGES.path,
    apiServer: MESSAGES.path,
  },
  {
    name: "unknown scheme",
    spec: { selector, endpoint: { port: 8081, scheme: "GRPC" }, drain },
    path: "endpoint.scheme",
    message: 'expected one of "HTTP"|"HTTPS"',
    apiServer: 'spec.endpoint.scheme: Unsupported value: "GRPC"',
  },
  {
    name: "token secret without key",
    spec: { selector, endpoint: { port: 8081, tokenSecretRef: { name: "t" } }, drain },
    path: "endpoint.tokenSecretRef.key",
    message: "expected string",
    apiServer: "spec.endpoint.tokenSecretRef.key: Required value",
  },
  {
    name: "request timeout 0",
    spec: { selector, endpoint: { port: 8081, requestTimeoutSeconds: 0 }, drain },
    path: "endpoint.requestTimeoutSeconds",
    message: "Too small",
    apiServer: "spec.endpoint.requestTimeoutSeconds in body should be greater than or equal to 1",
  },
  {
    name: "missing drain",
    spec: { selector },
    path: "drain",
    message: "expected object",
    apiServer: "spec.drain: Required value",
  },
  {
    name: "timeout 0",
    spec: { selector, drain: { timeoutSeconds: 0, settleSeconds: 0 } },
    path: "drain.timeoutSeconds",
    message: "Too small",
    apiServer: "spec.drain.timeoutSeconds in body should be greater than or equal to 1",
  },
  {
    name: "poll interval longer than the timeout",
    spec: { selector, drain: { timeoutSeconds: 20, pollIntervalSeconds: 30, settleSeconds: 5 } },
    path: "drain.pollIntervalSeconds",
    message: MESSAGES.pollInterval,
    apiServer: MESSAGES.pollInterval,
  },
  {
    name: "default settle not below a short timeout",
    spec: { selector, drain: { timeoutSeconds: 5 } },
    path: "drain.settleSeconds",
    message: MESSAGES.settle,
    apiServer: MESSAGES.settle,
  },
  {
    name: "unknown onTimeout",
    spec: { selector, drain: { timeoutSeconds: 60, onTimeout: "Ignore" } },
    path: "drain.onTimeout",
    message: 'expected one of "Delete"|"Keep"',
    apiServer: 'spec.drain.onTimeout: Unsupported value: "Ignore"',
  },
  {
    name: "maxConcurrent 0",
    spec: { selector, drain, budget: { maxConcurrent: 0 } },
    path: "budget.maxConcurrent",
    message: MESSAGES.maxConcurrent,
    apiServer: MESSAGES.maxConcurrent,
  },
  {
    name: "maxConcurrent 0%",
    spec: { selector, drain, budget: { maxConcurrent: "0%" } },
    path: "budget.maxConcurrent",
    message: MESSAGES.maxConcurrent,
    apiServer: MESSAGES.maxConcurrent,
  },
  {
    name: "maxConcurrent 150%",
    spec: { selector, drain, budget: { maxConcurrent: "150%" } },
    path: "budget.maxConcurrent",
    message: MESSAGES.maxConcurrent,
    apiServer: MESSAGES.maxConcurrent,
  },
  {
    name: "maxConcurrent not a percentage",
    spec: { selector, drain, budget: { maxConcurrent: "half" } },
    path: "budget.maxConcurrent",
    message: MESSAGES.maxConcurrent,
    apiServer: MESSAGES.maxConcurrent,
  },
  {
    name: "negative minServing",
    spec: { selector, drain, budget: { minServing: -1 } },
    path: "budget.minServing",
    message: "Too small",
    apiServer: "spec.budget.minServing in body should be greater than or equal to 0",
  },
  {
    name: "scaleIn pollIntervalSeconds 0",
    spec: { selector, drain, scaleIn: { preferIdle: true, pollIntervalSeconds: 0 } },
    path: "scaleIn.pollIntervalSeconds",
    message: "Too small",
    apiServer: "spec.scaleIn.pollIntervalSeconds in body should be greater than or equal to 1",
  },
];
