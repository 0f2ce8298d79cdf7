// The local node agent on the real control plane: pods run, report status like the kubelet, honour readiness gates,
// roll through the Deployment controller and terminate with preStop, SIGTERM and the grace period.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from "@kubernetes/client-node";
import { afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { applyFixture } from "../harness/fixtures.ts";
import { readyAddresses } from "../harness/traffic/ready-endpoints.ts";
import { waitFor } from "../harness/wait-for.ts";
import { createNamespace, loadKubeConfig } from "./support/cluster.ts";

const kc = loadKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const coordination = kc.makeApiClient(CoordinationV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function namespace(prefix: string): Promise<string> {
  const ns = await createNamespace(kc, prefix);
  cleanups.push(ns.cleanup);
  await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: ns.name }), {
    timeoutMs: 30_000,
    what: `default service account in ${ns.name}`,
  });
  return ns.name;
}

const condition = (pod: V1Pod, type: string) => pod.status?.conditions?.find((c) => c.type === type)?.status;
const isReady = (pod: V1Pod) => condition(pod, "Ready") === "True";
const podLog = (pod: V1Pod) =>
  join(
    inject("clusterDir"),
    "pods",
    `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid?.slice(0, 8)}.log`,
  );

async function pods(namespace: string, labelSelector = "app=web"): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, labelSelector })).items;
}

async function sliceReady(namespace: string, service = "web"): Promise<string[]> {
  const slices = await discovery.listNamespacedEndpointSlice({
    namespace,
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  return readyAddresses(slices.items);
}

function stubbornPod(name: string, graceSeconds: number, preStop?: object): V1Pod {
  return {
    metadata: { name, labels: { app: "stubborn" } },
    spec: {
      terminationGracePeriodSeconds: graceSeconds,
      containers: [
        {
          name: "app",
          image: "quiesce-operator-dev:latest",
          command: ["node", "test/fixtures/echo-server.ts", "--port", "8080"],
          env: [{ name: "IGNORE_SIGTERM", value: "1" }],
          ports: [{ name: "http", containerPort: 8080 }],
          ...(preStop ? { lifecycle: { preStop } } : {}),
        },
      ],
    },
  };
}

async function waitGone(namespace: string, name: string, timeoutMs: number): Promise<number> {
  await waitFor(
    async () => {
      try {
        await core.readNamespacedPod({ name, namespace });
        return false;
      } catch {
        return true;
      }
    },
    { timeoutMs, what: `pod ${namespace}/${name} to be removed`, intervalMs: 25 },
  );
  return Date.now();
}

describe("local node agent", () => {
  beforeAll(async () => {
    const nodes = await core.listNode();
    expect(nodes.items.length).toBeGreaterThan(0);
  });

  it("registers Ready nodes with capacity and a loopback InternalIP, renewing their leases", async () => {
    const nodes = (await core.listNode()).items.filter((n) => n.metadata?.name?.startsWith("local-node-"));
    expect(nodes.length).toBe(2);
    for (const node of nodes) {
      expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
      expect(node.status?.addresses).toContainEqual({ type: "InternalIP", address: "127.0.0.1" });
      const lease = await coordination.readNamespacedLease({
        name: node.metadata?.name ?? "",
        namespace: "kube-node-lease",
      });
      expect(lease.spec?.holderIdentity).toBe(node.metadata?.name);
      expect(Date.now() - new Date(lease.spec?.renewTime ?? 0).getTime()).toBeLessThan(15_000);
      expect(node.status?.allocatable).toMatchObject({ cpu: "64", memory: "256Gi", pods: "1k" }); // 1000, canonicalized
    }
  });

  it("runs a 3-replica Deployment: distinct pod IPs, kubelet-like status, 3 ready endpoints", async () => {
    const ns = await namespace("agent-web");
    const t0 = Date.now();
    await applyFixture(kc, "web.yaml", ns);
    const ready = await waitFor(
      async () => {
        const list = await pods(ns);
        return list.length === 3 && list.every(isReady) ? list : undefined;
      },
      { timeoutMs: 60_000, what: "3 ready web pods" },
    );
    const createToReadyMs = Date.now() - t0;
    const ips = ready.map((p) => p.status?.podIP ?? "");
    expect(new Set(ips).size).toBe(3);
    for (const pod of ready) {
      expect(pod.status?.podIP).toMatch(/^198\.18\.\d{1,3}\.\d{1,3}$/);
      expect(pod.status?.podIPs).toEqual([{ ip: pod.status?.podIP }]);
      expect(pod.status?.hostIP).toBe("127.0.0.1");
      expect(pod.status?.phase).toBe("Running");
      expect(pod.status?.startTime).toBeDefined();
      for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) {
        expect(condition(pod, type)).toBe("True");
      }
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({
        name: "app",
        ready: true,
        started: true,
        restartCount: 0,
      });
      expect(pod.status?.containerStatuses?.[0]?.state?.running?.startedAt).toBeDefined();
      const log = readFileSync(podLog(pod), "utf8");
      expect(log).toContain("sample app listening");
      expect(log).toContain(`"host":"${pod.status?.podIP}","port":8080`);
    }
    await waitFor(async () => (await sliceReady(ns)).length === 3, {
      timeoutMs: 30_000,
      what: "3 ready endpoints",
    });
    expect(await sliceReady(ns)).toEqual([...ips].sort());
    console.log(`deployment create -> 3 pods Ready: ${createToReadyMs} ms`);
  });

  it("runs pods inside network namespace quiesce-pods, reached from the host through the veth", async () => {
    const ns = await namespace("agent-netns");
    const body = stubbornPod("netns", 5);
    body.spec!.containers[0]!.env = [];
    await core.createNamespacedPod({ namespace: ns, body });
    const pod = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name: "netns", namespace: ns });
        return isReady(p) ? p : undefined;
      },
      { timeoutMs: 60_000, what: "netns pod ready" },
    );
    const pid = /^local:\/\/(\d+)$/.exec(pod.status?.containerStatuses?.[0]?.containerID ?? "")?.[1];
    expect(pid).toBeDefined();
    const podNetns = statSync(`/proc/${pid}/ns/net`).ino;
    expect(podNetns).toBe(statSync("/run/netns/quiesce-pods").ino);
    expect(podNetns).not.toBe(statSync("/proc/self/ns/net").ino);
    const podIP = pod.status?.podIP ?? "";
    // No readiness probe: Ready comes before the server listens.
    const reply = await waitFor(async () => (await fetch(`http://${podIP}:8080/work?ms=0`)).json(), {
      timeoutMs: 10_000,
      what: `an answer from ${podIP}:8080`,
    });
    expect(reply).toMatchObject({ pod: "netns", ip: podIP });
    // The host reaches the range through the veth; no host-wide AnyIP route for it is left.
    const hostLocal = execFileSync("ip", ["-j", "route", "show", "table", "local", "exact", "198.18.0.0/16"]);
    expect(JSON.parse(hostLocal.toString() || "[]")).toEqual([]);
    expect(execFileSync("ip", ["route", "get", podIP]).toString()).toMatch(
      /via 169\.254\.123\.2 dev qpod-host/,
    );
  });

  it("keeps a pod with a readiness gate out of the ready endpoints until the gate is True", async () => {
    const ns = await namespace("agent-gate");
    await applyFixture(kc, "web.yaml", ns, (o) => {
      if (o.kind !== "Deployment") return;
      const d = o as { spec: { replicas: number; template: { spec: { readinessGates?: object[] } } } };
      d.spec.replicas = 1;
      d.spec.template.spec.readinessGates = [{ conditionType: "quiesce.dev/test-gate" }];
    });
    const pod = await waitFor(
      async () => (await pods(ns)).find((p) => condition(p, "ContainersReady") === "True"),
      { timeoutMs: 60_000, what: "gated pod with ready containers" },
    );
    const name = pod.metadata?.name ?? "";
    expect(condition(pod, "Ready")).toBe("False");
    // The EndpointSlice controller has seen the pod (it lists it) but not as ready.
    await waitFor(
      async () => {
        const slices = await discovery.listNamespacedEndpointSlice({
          namespace: ns,
          labelSelector: "kubernetes.io/service-name=web",
        });
        return slices.items.some((s) =>
          s.endpoints?.some((e) => e.addresses.includes(pod.status?.podIP ?? "")),
        );
      },
      { timeoutMs: 30_000, what: "the gated pod listed in the slice" },
    );
    expect(await sliceReady(ns)).toEqual([]);

    const writeGate = async (status: string) =>
      core.patchNamespacedPodStatus(
        {
          name,
          namespace: ns,
          body: {
            status: {
              conditions: [
                { type: "quiesce.dev/test-gate", status, lastTransitionTime: new Date().toISOString() },
              ],
            },
          },
        },
        setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
      );
    await writeGate("False");
    await new Promise((r) => setTimeout(r, 1500)); // give a wrong implementation time to flip Ready
    const stillGated = await core.readNamespacedPod({ name, namespace: ns });
    expect(condition(stillGated, "Ready")).toBe("False");
    expect(condition(stillGated, "quiesce.dev/test-gate")).toBe("False");

    await writeGate("True");
    await waitFor(async () => isReady(await core.readNamespacedPod({ name, namespace: ns })), {
      timeoutMs: 15_000,
      what: "Ready after the gate turned True",
    });
    await waitFor(async () => (await sliceReady(ns)).length === 1, {
      timeoutMs: 15_000,
      what: "1 ready endpoint",
    });
    // The agent's own status writes left the gate condition alone.
    expect(condition(await core.readNamespacedPod({ name, namespace: ns }), "quiesce.dev/test-gate")).toBe(
      "True",
    );

    await writeGate("False");
    await waitFor(async () => (await sliceReady(ns)).length === 0, {
      timeoutMs: 15_000,
      what: "no ready endpoint after the gate turned False again",
    });
  });

  it("replaces every pod on rollout restart through the real Deployment controller", async () => {
    const ns = await namespace("agent-rollout");
    await applyFixture(kc, "web.yaml", ns);
    const before = await waitFor(
      async () => {
        const list = await pods(ns);
        return list.length === 3 && list.every(isReady) ? list : undefined;
      },
      { timeoutMs: 60_000, what: "3 ready web pods" },
    );
    const oldUids = new Set(before.map((p) => p.metadata?.uid));
    // What `kubectl rollout restart` does.
    await apps.patchNamespacedDeployment(
      {
        name: "web",
        namespace: ns,
        body: {
          spec: {
            template: {
              metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() } },
            },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    const t0 = Date.now();
    const after = await waitFor(
      async () => {
        const list = await pods(ns);
        const fresh = list.filter((p) => !oldUids.has(p.metadata?.uid));
        return list.length === 3 && fresh.length === 3 && fresh.every(isReady) ? fresh : undefined;
      },
      { timeoutMs: 120_000, what: "3 new ready pods and no old ones" },
    );
    console.log(`rollout restart of 3 pods: ${Date.now() - t0} ms`);
    const deployment = await apps.readNamespacedDeployment({ name: "web", namespace: ns });
    await waitFor(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: "web", namespace: ns });
        return (
          d.status?.updatedReplicas === 3 && d.status?.availableReplicas === 3 && d.status.replicas === 3
        );
      },
      { timeoutMs: 30_000, what: `deployment status settled (was ${JSON.stringify(deployment.status)})` },
    );
    expect(new Set(after.map((p) => p.status?.podIP)).size).toBe(3);
    for (const old of before) {
      expect(readFileSync(podLog(old), "utf8")).toContain('"signal":"SIGTERM"');
    }
    await waitFor(async () => (await sliceReady(ns)).length === 3, {
      timeoutMs: 30_000,
      what: "3 ready endpoints",
    });
  });

  it("runs preStop, then SIGTERM, and SIGKILLs a process ignoring SIGTERM at the grace deadline", async () => {
    const ns = await namespace("agent-term");
    const grace = 3;
    await core.createNamespacedPod({
      namespace: ns,
      body: stubbornPod("stubborn", grace, { sleep: { seconds: 1 } }),
    });
    const pod = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name: "stubborn", namespace: ns });
        return isReady(p) && existsSync(podLog(p)) && readFileSync(podLog(p), "utf8").includes("listening")
          ? p
          : undefined;
      },
      { timeoutMs: 60_000, what: "stubborn pod running" },
    );
    const t0 = Date.now();
    await core.deleteNamespacedPod({ name: "stubborn", namespace: ns });
    const notReadyAt = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name: "stubborn", namespace: ns }).catch(() => undefined);
        return p === undefined || !isReady(p) ? Date.now() : undefined;
      },
      { timeoutMs: 10_000, what: "Ready False once terminating", intervalMs: 25 },
    );
    const goneAt = await waitGone(ns, "stubborn", 15_000);
    const log = readFileSync(podLog(pod), "utf8");
    const sigtermAt = Number(/got SIGTERM at (\d+)/.exec(log)?.[1]);
    const elapsed = (goneAt - t0) / 1000;
    console.log(
      `termination: not ready after ${notReadyAt - t0} ms, SIGTERM after ${sigtermAt - t0} ms, gone after ${goneAt - t0} ms (grace ${grace}s, preStop sleep 1s)`,
    );
    expect(notReadyAt - t0).toBeLessThan(1000);
    expect(sigtermAt - t0).toBeGreaterThanOrEqual(950); // preStop sleep ran first
    expect(sigtermAt - t0).toBeLessThan(grace * 1000);
    expect(elapsed).toBeGreaterThanOrEqual(grace - 0.5);
    expect(elapsed).toBeLessThanOrEqual(grace + 1.5);
  });

  it("ends a pod that exits on SIGTERM well before its grace period", async () => {
    const ns = await namespace("agent-fast");
    const body = stubbornPod("polite", 30);
    body.spec!.containers[0]!.env = [];
    await core.createNamespacedPod({ namespace: ns, body });
    await waitFor(async () => isReady(await core.readNamespacedPod({ name: "polite", namespace: ns })), {
      timeoutMs: 60_000,
      what: "polite pod ready",
    });
    const t0 = Date.now();
    await core.deleteNamespacedPod({ name: "polite", namespace: ns });
    const goneAt = await waitGone(ns, "polite", 10_000);
    expect(goneAt - t0).toBeLessThan(3000);
  });

  it("restarts an exiting container per restartPolicy and counts restarts in the pod status", async () => {
    const ns = await namespace("agent-restart");
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: "crasher" },
        spec: {
          restartPolicy: "OnFailure",
          containers: [
            {
              name: "app",
              image: "quiesce-operator-dev:latest",
              command: ["node", "-e", "setTimeout(() => process.exit(2), 200)"],
            },
          ],
        },
      },
    });
    const pod = await waitFor(
      async () => {
        const p = await core.readNamespacedPod({ name: "crasher", namespace: ns });
        return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 ? p : undefined;
      },
      { timeoutMs: 30_000, what: "two restarts" },
    );
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(2);
    expect(pod.status?.phase).toBe("Running");
  });
});
