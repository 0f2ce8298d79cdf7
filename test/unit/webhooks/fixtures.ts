// Builders for the pods, policies and AdmissionReviews the webhook tests use.
import type { PodView } from "../../../operator/api/pod-view.ts";
import type { PolicyView } from "../../../operator/api/policy-match.ts";

export interface PodOptions {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  phase?: string;
  ready?: boolean;
  deletionTimestamp?: string;
}

export function pod(options: PodOptions = {}): PodView {
  return {
    metadata: {
      name: options.name ?? "sprout-1",
      namespace: options.namespace ?? "telecom",
      labels: options.labels ?? { app: "sprout" },
      annotations: options.annotations ?? {},
      deletionTimestamp: options.deletionTimestamp,
    },
    spec: { containers: [{ name: "app" }] },
    status: {
      phase: options.phase ?? "Running",
      conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }],
    },
  };
}

export interface PolicyOptions {
  name?: string;
  mode?: "Enforce" | "DryRun";
  matchLabels?: Record<string, string>;
  timeoutSeconds?: number;
  settleSeconds?: number;
  onTimeout?: "Delete" | "Keep";
  injectPreStop?: boolean;
}

export function policy(options: PolicyOptions = {}): PolicyView {
  return {
    metadata: { name: options.name ?? "sprout", namespace: "telecom" },
    spec: {
      selector: { matchLabels: options.matchLabels ?? { app: "sprout" } },
      mode: options.mode ?? "Enforce",
      drain: {
        timeoutSeconds: options.timeoutSeconds ?? 600,
        settleSeconds: options.settleSeconds ?? 10,
        onTimeout: options.onTimeout ?? "Delete",
        injectPreStop: options.injectPreStop ?? false,
      },
    },
  };
}

export function review(request: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: "0df28fbd-5f5f-11e8-bc74-36e6bb280816",
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
      namespace: "telecom",
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["system:authenticated"] },
      ...request,
    },
  };
}
