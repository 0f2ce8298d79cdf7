// Builders of pods, ReplicaSets and Deployments for the controllers' pure unit tests.
import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import type { QuiescePolicy } from "../../../operator/api/quiesce-policy.ts";
import { quiescePolicySchema } from "../../../operator/api/quiesce-policy.ts";

export function pod(
  name: string,
  o: {
    ns?: string;
    labels?: Record<string, string>;
    rs?: string;
    ready?: boolean;
    state?: string;
    terminating?: boolean;
    annotations?: Record<string, string>;
  } = {},
): V1Pod {
  return {
    metadata: {
      name,
      namespace: o.ns ?? "ns",
      uid: `uid-${name}`,
      labels: o.labels ?? { app: "web" },
      annotations: { ...(o.state ? { "quiesce.dev/state": o.state } : {}), ...o.annotations },
      ownerReferences: o.rs
        ? [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: o.rs, uid: `uid-${o.rs}`, controller: true }]
        : [],
      ...(o.terminating ? { deletionTimestamp: new Date() } : {}),
    },
    spec: { containers: [{ name: "app", ports: [{ name: "http", containerPort: 8080 }] }] },
    status: {
      phase: "Running",
      podIP: "198.18.0.9",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

export function replicaSet(
  name: string,
  replicas: number,
  revision: string,
  deployment = "web",
): V1ReplicaSet {
  return {
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      annotations: { "deployment.kubernetes.io/revision": revision },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "Deployment",
          name: deployment,
          uid: `uid-${deployment}`,
          controller: true,
        },
      ],
    },
    spec: { replicas, selector: {} },
  };
}

export function deployment(name: string, replicas: number, revision: string): V1Deployment {
  return {
    metadata: { name, namespace: "ns", annotations: { "deployment.kubernetes.io/revision": revision } },
    spec: { replicas, selector: {}, template: { metadata: { labels: { app: name } } } },
    status: { updatedReplicas: 1, readyReplicas: replicas },
  };
}

export function policy(
  name: string,
  o: { ns?: string; app?: string; mode?: "Enforce" | "DryRun" } = {},
): QuiescePolicy {
  return quiescePolicySchema.parse({
    apiVersion: "quiesce.dev/v1alpha1",
    kind: "QuiescePolicy",
    metadata: { name, namespace: o.ns ?? "ns", generation: 2 },
    spec: {
      selector: { matchLabels: { app: o.app ?? "web" } },
      mode: o.mode ?? "Enforce",
      drain: { timeoutSeconds: 60 },
    },
  });
}

export function lookups(rss: V1ReplicaSet[], deployments: V1Deployment[]) {
  return {
    replicaSet: (_ns: string, name: string) => rss.find((r) => r.metadata?.name === name),
    deployment: (_ns: string, name: string) => deployments.find((d) => d.metadata?.name === name),
  };
}
