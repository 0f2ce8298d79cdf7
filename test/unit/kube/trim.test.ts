import type { V1Deployment, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { MAINTENANCE_ANNOTATION, maintenanceOf } from "../../../operator/api/maintenance.ts";
import { budgetFor } from "../../../operator/controllers/workloads/budget-input.ts";
import {
  type Lookups,
  ownershipOf,
  REVISION_ANNOTATION,
} from "../../../operator/controllers/workloads/workload.ts";
import { trimDeployment, trimPod, trimReplicaSet } from "../../../operator/kube/trim.ts";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
const managedFields = [
  { manager: "kubectl", operation: "Update", fieldsV1: { "f:spec": { "f:replicas": {} } } },
];
const podSpec = {
  containers: [
    {
      name: "app",
      image: "sample-app:dev",
      env: Array.from({ length: 20 }, (_, i) => ({ name: `VAR_${i}`, value: "v".repeat(40) })),
      ports: [{ name: "http", containerPort: 8080 }],
      lifecycle: { preStop: { sleep: { seconds: 1 } } },
    },
  ],
  readinessGates: [{ conditionType: "quiesce.dev/serving" }],
  terminationGracePeriodSeconds: 30,
  nodeName: "node-1",
};

const deployment: V1Deployment = {
  metadata: {
    name: "web",
    namespace: "ns",
    uid: "d-1",
    generation: 3,
    annotations: {
      [REVISION_ANNOTATION]: "2",
      [MAINTENANCE_ANNOTATION]: '{"quiesced":true}',
      [LAST_APPLIED]: "{}".repeat(500),
    },
    managedFields,
  },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: { metadata: { labels: { app: "web" } }, spec: podSpec },
  },
  status: { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3, observedGeneration: 3 },
};
const replicaSet = (name: string, revision: string, replicas: number): V1ReplicaSet => ({
  metadata: {
    name,
    namespace: "ns",
    uid: `rs-${name}`,
    annotations: { [REVISION_ANNOTATION]: revision },
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: "d-1", controller: true },
    ],
    managedFields,
  },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { spec: podSpec } },
  status: { replicas },
});
const pod = (name: string, rs: string, ready: boolean): V1Pod => ({
  metadata: {
    name,
    namespace: "ns",
    uid: `pod-${name}`,
    labels: { app: "web" },
    ownerReferences: [
      { apiVersion: "apps/v1", kind: "ReplicaSet", name: rs, uid: `rs-${rs}`, controller: true },
    ],
    managedFields,
  },
  spec: podSpec,
  status: {
    phase: "Running",
    podIP: "10.0.0.1",
    conditions: [
      { type: "Ready", status: ready ? "True" : "False" },
      { type: "quiesce.dev/serving", status: "True" },
    ],
    containerStatuses: [{ name: "app", image: "sample-app:dev", imageID: "x", ready, restartCount: 0 }],
  },
});

const sets = [replicaSet("web-old", "1", 3), replicaSet("web-new", "2", 1)];
const pods = [
  pod("a", "web-old", true),
  pod("b", "web-old", true),
  pod("c", "web-old", true),
  pod("d", "web-new", false),
];
const lookups = (trim: boolean): Lookups => ({
  replicaSet: (_ns, name) => {
    const rs = sets.find((s) => s.metadata?.name === name);
    return rs && trim ? trimReplicaSet(structuredClone(rs)) : rs;
  },
  deployment: (_ns, name) =>
    name === "web" ? (trim ? trimDeployment(structuredClone(deployment)) : deployment) : undefined,
});

describe("trimmed cache objects", () => {
  it("answer ownership, revision, budget and maintenance exactly as the full objects do", () => {
    const trimmedPods = pods.map((p) => trimPod(structuredClone(p)));
    for (const [i, p] of pods.entries()) {
      const trimmed = trimmedPods[i] as V1Pod;
      const { workload, revisionIsCurrent } = ownershipOf(p, lookups(false));
      expect(ownershipOf(trimmed, lookups(true))).toMatchObject({ workload, revisionIsCurrent });
      const budget = { maxConcurrent: 1, minServing: 2 };
      expect(budgetFor(trimmed, trimmedPods, budget, lookups(true))).toEqual(
        budgetFor(p, pods, budget, lookups(false)),
      );
    }
    expect(maintenanceOf(trimDeployment(structuredClone(deployment)))).toEqual(maintenanceOf(deployment));
  });

  it("keeps what the policy status reads of a Deployment and drops its pod template and last-applied copy", () => {
    const t = trimDeployment(structuredClone(deployment));
    expect(t.spec?.replicas).toBe(3);
    expect(t.spec?.strategy?.type).toBe("RollingUpdate");
    expect(t.spec?.template.metadata?.labels).toEqual({ app: "web" });
    expect(t.status).toMatchObject({ updatedReplicas: 1, readyReplicas: 3 });
    expect(t.spec?.template.spec).toBeUndefined();
    expect(t.metadata?.annotations?.[LAST_APPLIED]).toBeUndefined();
    expect(t.metadata?.managedFields).toBeUndefined();
    expect(JSON.stringify(t).length).toBeLessThan(JSON.stringify(deployment).length / 4);
  });

  it("keeps a pod's ports, gates, grace period, IP and conditions and drops the rest", () => {
    const full = pods[0] as V1Pod;
    const t = trimPod(structuredClone(full));
    expect(t.spec?.containers[0]?.ports).toEqual(full.spec?.containers[0]?.ports);
    expect(t.spec?.containers[0]?.lifecycle).toEqual(full.spec?.containers[0]?.lifecycle);
    expect(t.spec?.readinessGates).toEqual(full.spec?.readinessGates);
    expect(t.spec?.terminationGracePeriodSeconds).toBe(30);
    expect(t.status?.conditions).toEqual(full.status?.conditions);
    expect(t.status?.podIP).toBe("10.0.0.1");
    expect(t.spec?.containers[0]?.env).toBeUndefined();
    expect(t.metadata?.managedFields).toBeUndefined();
    expect(JSON.stringify(t).length).toBeLessThan(JSON.stringify(full).length / 2);
  });
});
