// `kubectl quiesce status [POLICY | deployment|statefulset|daemonset/NAME]`: one row per pod with its quiesce state.
import type { V1Pod } from "@kubernetes/client-node";
import { selectorMatches } from "../../api/label-selector.ts";
import { ANNOTATIONS } from "../../api/pod-annotations.ts";
import { selectingPolicies } from "../../api/policy-match.ts";
import type { QuiescePolicy } from "../../api/quiesce-policy.ts";
import { formatDuration } from "./duration.ts";
import type { PluginIo } from "./io.ts";
import { describeApiError, listPods, listPolicies, type PluginClients } from "./kube.ts";
import { type PodStatusRow, podStatusRows } from "./pod-status.ts";
import { readWorkload } from "./rollout-targets.ts";
import { type OutputFormat, renderObject, renderTable } from "./table.ts";
import type { Target } from "./target.ts";

interface Selection {
  pods: V1Pod[];
  policies: QuiescePolicy[];
  policy?: QuiescePolicy;
  scope: string;
}

async function select(c: PluginClients, target: Target): Promise<Selection> {
  const ns = c.allNamespaces && target.kind === "all" ? undefined : c.namespace;
  const scope = ns === undefined ? "any namespace" : `namespace ${ns}`;
  const policies = await listPolicies(c, ns).catch((e: unknown) => {
    throw new Error(describeApiError(`listing QuiescePolicies in ${scope}`, e));
  });
  if (target.kind === "deployment" || target.kind === "statefulset" || target.kind === "daemonset") {
    const { selector } = await readWorkload(c, target.kind, target.name);
    const pods = await listPods(c, c.namespace, selector);
    return { pods, policies, scope };
  }
  const pods = await listPods(c, ns).catch((e: unknown) => {
    throw new Error(describeApiError(`listing pods in ${scope}`, e));
  });
  if (target.kind === "policy") {
    const policy = policies.find((p) => p.metadata.name === target.name);
    if (!policy) throw new Error(`quiescepolicy "${target.name}" not found in ${scope}`);
    const selected = pods.filter((p) => selectorMatches(policy.spec.selector, p.metadata?.labels));
    return { pods: selected, policies, policy, scope };
  }
  const managed = pods.filter(
    (p) =>
      selectingPolicies(p, policies).length > 0 || p.metadata?.annotations?.[ANNOTATIONS.state] !== undefined,
  );
  return { pods: managed, policies, scope };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The machine-readable form: times as RFC 3339, durations in seconds. */
function toJson(r: PodStatusRow) {
  return {
    namespace: r.namespace,
    pod: r.pod,
    policy: r.policy,
    state: r.state,
    ready: r.ready,
    serving: r.serving,
    inFlight: r.inFlight,
    reason: r.reason,
    outcome: r.outcome,
    stateSince: iso(r.stateSince),
    secondsInState: r.inStateMs === undefined ? undefined : Math.floor(r.inStateMs / 1000),
    deadline: iso(r.deadline),
    secondsToDeadline: r.etaMs === undefined ? undefined : Math.ceil(r.etaMs / 1000),
    trafficAfterLeaving: r.trafficAfterLeaving,
    detail: r.detail,
    deletionCost: r.deletionCost,
  };
}

export function renderStatusTable(rows: readonly PodStatusRow[], withNamespace: boolean): string {
  // DELETION-COST only when some pod has one (a policy with scaleIn.preferIdle, or a user's own).
  const withCost = rows.some((r) => r.deletionCost !== undefined);
  const header = [
    "POD",
    "POLICY",
    "STATE",
    "READY",
    "IN-FLIGHT",
    ...(withCost ? ["DELETION-COST"] : []),
    "IN-STATE",
    "ETA",
    "DETAIL",
  ];
  const body = rows.map((r) => [
    r.pod,
    r.policy ?? "<none>",
    r.state,
    r.ready ? "True" : "False",
    r.inFlight === undefined ? "-" : String(r.inFlight),
    ...(withCost ? [r.deletionCost === undefined ? "-" : String(r.deletionCost)] : []),
    r.inStateMs === undefined ? "-" : formatDuration(r.inStateMs),
    r.etaMs === undefined ? "-" : formatDuration(r.etaMs),
    r.detail ?? "",
  ]);
  return withNamespace
    ? renderTable(
        ["NAMESPACE", ...header],
        body.map((cells, i) => [rows[i]?.namespace ?? "", ...cells]),
      )
    : renderTable(header, body);
}

function policySummary(p: QuiescePolicy): string {
  const s = p.status;
  const pods = s?.pods;
  const drains = s?.drains;
  return (
    `quiescepolicy/${p.metadata.name} (${p.spec.mode}, timeout ${formatDuration(p.spec.drain.timeoutSeconds * 1000)}): ` +
    `${pods?.matched ?? 0} matched, ${pods?.serving ?? 0} serving, ${pods?.quiescing ?? 0} quiescing; ` +
    `drains ${drains?.completed ?? 0} completed, ${drains?.timedOut ?? 0} timed out`
  );
}

export async function statusCommand(
  c: PluginClients,
  target: Target,
  output: OutputFormat,
  io: PluginIo,
): Promise<number> {
  const selection = await select(c, target);
  const rows = podStatusRows(selection.pods, selection.policies, io.now());
  if (output !== "table") {
    io.out(renderObject({ apiVersion: "v1", kind: "List", items: rows.map(toJson) }, output));
    return 0;
  }
  if (selection.policy) io.out(policySummary(selection.policy));
  if (rows.length === 0) {
    io.err(`No quiesce-managed pods found in ${selection.scope}.`);
    return 0;
  }
  io.out(renderStatusTable(rows, c.allNamespaces && target.kind === "all"));
  return 0;
}
