// Endpoints and the drain on the real control plane: the app is asked to refuse work only once no EndpointSlice
// lists its pod as serving; a drain resumed with its gate never written (a leader killed between two writes)
// settles anew; an ungated pod a Service routes to is not drained in place but let go.
import {
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1EndpointSlice,
  type V1Pod,
} from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { ANNOTATIONS } from "../../operator/api/pod-annotations.ts";
import { waitFor } from "../harness/wait-for.ts";
import {
  appStatus,
  deletePod,
  phaseEnteredAt,
  phaseOf,
  podEvents,
  readPod,
  readPolicy,
  readyServiceAddresses,
  servingGate,
  waitPodRemoved,
  watchPod,
} from "../scenarios/drain-steps.ts";
import { APP_PORT, samplePolicySpec } from "../scenarios/manifests.ts";
import { createApp, createPolicy, ipOf, nameOf, uidOf } from "../scenarios/workloads.ts";
import { operatorSuite } from "./support/operator-suite.ts";

const { kc, apis, namespace } = operatorSuite();
const discovery = kc.makeApiClient(DiscoveryV1Api);

/** Asserts `check` on every poll for `ms` (a property that must hold for a whole window, not a wait). */
async function holdsFor(ms: number, check: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await check();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A slice of another endpoint manager (a mesh, a custom controller) that has not caught up with the gate. */
function laggingSlice(ns: string, pod: V1Pod) {
  return discovery.createNamespacedEndpointSlice({
    namespace: ns,
    body: {
      metadata: {
        name: "lagging",
        labels: {
          "kubernetes.io/service-name": "lagging",
          "endpointslice.kubernetes.io/managed-by": "tests.quiesce.dev",
        },
      },
      addressType: "IPv4",
      ports: [{ name: "http", port: APP_PORT, protocol: "TCP" }],
      endpoints: [
        {
          addresses: [ipOf(pod)],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: "Pod", namespace: ns, name: nameOf(pod), uid: uidOf(pod) },
        },
      ],
    },
  });
}

/** The lagging slice catches up: the pod is no longer serving in it. */
async function release(ns: string, slice: V1EndpointSlice): Promise<void> {
  const endpoint = slice.endpoints[0];
  if (endpoint === undefined) throw new Error("slice without endpoint");
  await discovery.replaceNamespacedEndpointSlice({
    namespace: ns,
    name: "lagging",
    body: {
      ...slice,
      endpoints: [{ ...endpoint, conditions: { ready: false, serving: false, terminating: false } }],
    },
  });
}

describe.concurrent("the settle wait", () => {
  it("holds the quiesce while an EndpointSlice still lists the pod as serving, then drains", async () => {
    const ns = await namespace("settle-slice");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 1 }));
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    const slice = await laggingSlice(ns, pod);
    const watch = await watchPod(kc, ns, nameOf(pod));
    try {
      expect((await deletePod(apis, ns, nameOf(pod)))?.code).toBe(403);
      await waitFor(async () => servingGate(await readPod(apis, ns, nameOf(pod))) === "False", {
        timeoutMs: 10_000,
        what: "the serving gate False",
      });
      // settleSeconds (1 s) and a poll interval pass three times over: still Settling, the app still serves.
      await holdsFor(3500, async () => {
        expect(phaseOf(await readPod(apis, ns, nameOf(pod)))).toBe("Settling");
        expect((await appStatus(ipOf(pod))).state).toBe("serving");
      });
      const released = Date.now();
      await release(ns, slice);
      await waitPodRemoved(apis, ns, nameOf(pod), uidOf(pod), 20_000);
      const quiescing = watch.first((p) => phaseOf(p) === "Quiescing")?.pod;
      expect(quiescing, "the drain went through Quiescing").toBeDefined();
      // The settle counted from the slice's release (the operator's clock, on the pod; 200 ms for clock reads).
      expect(phaseEnteredAt(quiescing)).toBeGreaterThanOrEqual(released - 200);
      expect(watch.first((p) => phaseOf(p) === "Drained")).toBeDefined();
    } finally {
      watch.stop();
    }
  });

  it("holds the removal past the timeout while the pod is still listed, then removes it once it has left", async () => {
    const ns = await namespace("settle-hold");
    const timeoutSeconds = 4;
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds, settleSeconds: 1 }));
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    const slice = await laggingSlice(ns, pod);
    expect((await deletePod(apis, ns, nameOf(pod)))?.code).toBe(403);
    const held = await waitFor(
      async () => {
        const p = await readPod(apis, ns, nameOf(pod));
        return p?.metadata?.annotations?.[ANNOTATIONS.heldAt] ? p : undefined;
      },
      { timeoutMs: timeoutSeconds * 1000 + 5000, what: "the removal held for the endpoints" },
    );
    expect(phaseOf(held)).toBe("Settling");
    // Past the deadline and held: the pod stays and still serves (it was never asked to quiesce).
    await holdsFor(2000, async () => {
      const p = await readPod(apis, ns, nameOf(pod));
      expect(p?.metadata?.deletionTimestamp ?? undefined).toBeUndefined();
      expect((await appStatus(ipOf(pod))).state).toBe("serving");
    });
    const released = Date.now();
    await release(ns, slice);
    const removed = await waitPodRemoved(apis, ns, nameOf(pod), uidOf(pod), 15_000);
    // Once out of the endpoints it still waits settleSeconds (1 s) for load balancers, then goes.
    expect(removed.at - released).toBeGreaterThanOrEqual(900);
    const events = await podEvents(apis, ns, nameOf(pod));
    expect(events.map((e) => e.reason)).toContain("RemovalHeld");
    expect(events.find((e) => e.reason === "DrainTimedOut")?.message).toMatch(
      /removal held \d+\.\ds for the endpoints/,
    );
  });

  it("a drain resumed as Settling whose gate was never written sets the gate and settles again", async () => {
    const ns = await namespace("settle-gate");
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds: 120, settleSeconds: 3 }));
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    const watch = await watchPod(kc, ns, nameOf(pod));
    try {
      // What a leader killed between its two writes leaves: Settling since 30 s ago, the gate still True.
      const longAgo = new Date(Date.now() - 30_000).toISOString();
      await apis.core.patchNamespacedPod(
        {
          namespace: ns,
          name: nameOf(pod),
          body: {
            metadata: {
              annotations: {
                [ANNOTATIONS.state]: "Settling",
                [ANNOTATIONS.policy]: "web",
                [ANNOTATIONS.reason]: "delete",
                [ANNOTATIONS.via]: "delete",
                [ANNOTATIONS.requestedAt]: longAgo,
                [ANNOTATIONS.startedAt]: longAgo,
                [ANNOTATIONS.phaseEnteredAt]: longAgo,
              },
            },
          },
        },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
      await waitPodRemoved(apis, ns, nameOf(pod), uidOf(pod), 30_000);
      const gateFalse = watch.first((p) => servingGate(p) === "False");
      const quiescing = watch.first((p) => phaseOf(p) === "Quiescing")?.pod;
      expect(gateFalse, "the operator wrote the gate").toBeDefined();
      expect(quiescing, "the drain went through Quiescing").toBeDefined();
      // Without an app that stops counting requests there is no traffic here, so the settle ends early after one
      // whole poll interval (1 s) of unchanged `accepted`; before the fix it ended at once (settle spent 30 s ago).
      expect(phaseEnteredAt(quiescing) - (gateFalse?.at ?? Number.NaN)).toBeGreaterThanOrEqual(900);
    } finally {
      watch.stop();
    }
  });

  it("lets an ungated pod a Service routes to go at once, and names ungated pods in PodsUngated", async () => {
    const ns = await namespace("ungated");
    // Pods first, policy second: created without the readiness gate (as while the webhook was unreachable).
    const [pod] = await createApp(apis, { name: "web", namespace: ns, replicas: 2, grace: 2 });
    if (!pod) throw new Error("no pod");
    expect(pod.spec?.readinessGates ?? []).toEqual([]);
    await createPolicy(apis, "web", ns, samplePolicySpec("web", { timeoutSeconds: 60, settleSeconds: 1 }));
    const condition = await waitFor(
      async () => {
        const c = (await readPolicy(apis, ns, "web")).status?.conditions?.find(
          (x) => x.type === "PodsUngated",
        );
        return c?.status === "True" ? c : undefined;
      },
      { timeoutMs: 15_000, what: "PodsUngated True on the policy" },
    );
    expect(condition.message).toContain("2 pod(s)");
    expect(condition.message).toContain(nameOf(pod));
    // The Service's EndpointSlice lists it (wait until the operator's cache has it too: the decision reads it).
    await waitFor(async () => (await readyServiceAddresses(discovery, ns, "web")).includes(ipOf(pod)), {
      timeoutMs: 10_000,
      what: "the pod in the Service's endpoints",
    });
    const denied = await deletePod(apis, ns, nameOf(pod));
    expect(denied, "the deletion went through (no admission denial)").toBeUndefined();
    const gone = await readPod(apis, ns, nameOf(pod));
    expect(gone === undefined || gone.metadata?.deletionTimestamp != null).toBe(true);
    expect(phaseOf(gone)).toBe("Serving"); // no drain was started on it
  });
});
