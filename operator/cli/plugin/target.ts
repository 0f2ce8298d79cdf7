// The plugin's TYPE/NAME arguments: `deployment/web` (also deploy/, deployments/), `statefulset/web` (sts/),
// `daemonset/web` (ds/), or a bare QuiescePolicy name.

export type WorkloadTarget = { kind: "deployment" | "statefulset" | "daemonset"; name: string };
export type Target = WorkloadTarget | { kind: "policy"; name: string } | { kind: "all" };

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DEPLOYMENT = new Set(["deployment", "deployments", "deploy", "deployment.apps", "deployments.apps"]);
const STATEFULSET = new Set(["statefulset", "statefulsets", "sts", "statefulset.apps", "statefulsets.apps"]);
const DAEMONSET = new Set(["daemonset", "daemonsets", "ds", "daemonset.apps", "daemonsets.apps"]);
const POLICY = new Set(["quiescepolicy", "quiescepolicies", "qp", "quiescepolicy.quiesce.dev"]);

function checkName(name: string, arg: string): string {
  if (!NAME.test(name)) throw new Error(`invalid name in "${arg}": must be a DNS subdomain`);
  return name;
}

/** `undefined` means "everything the policies select". Throws a message naming the argument. */
export function parseTarget(arg: string | undefined): Target {
  if (arg === undefined || arg === "") return { kind: "all" };
  const slash = arg.indexOf("/");
  if (slash < 0) return { kind: "policy", name: checkName(arg, arg) };
  const type = arg.slice(0, slash).toLowerCase();
  const name = checkName(arg.slice(slash + 1), arg);
  if (DEPLOYMENT.has(type)) return { kind: "deployment", name };
  if (STATEFULSET.has(type)) return { kind: "statefulset", name };
  if (DAEMONSET.has(type)) return { kind: "daemonset", name };
  if (POLICY.has(type)) return { kind: "policy", name };
  throw new Error(
    `unsupported resource type "${type}" in "${arg}": use deployment/NAME, statefulset/NAME, daemonset/NAME or a QuiescePolicy name`,
  );
}

/** Rollout and maintenance commands take a Deployment, StatefulSet or DaemonSet. */
export function parseWorkloadTarget(arg: string): WorkloadTarget {
  const target = parseTarget(arg);
  if (target.kind === "policy" || target.kind === "all") {
    throw new Error(`expected deployment/NAME, statefulset/NAME or daemonset/NAME, got "${arg}"`);
  }
  return target;
}
