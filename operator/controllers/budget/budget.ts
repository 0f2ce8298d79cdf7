// The quiesce budget: may one more pod of a workload start quiescing (maxConcurrent, minServing)?

export interface BudgetPolicy {
  /** A count, or a percentage string like "25%" of the workload's replicas. */
  maxConcurrent: number | string;
  /** Refuse while fewer than this many other pods of the workload are serving. */
  minServing: number;
}

export interface BudgetInput {
  budget: BudgetPolicy;
  /** The percentage base: the workload's desired replicas, or when unknown the number of its pods. */
  replicas: number;
  /** Other pods of the same workload that are serving (Ready, gate True, not quiescing). */
  servingOthers: number;
  /** Other pods of the same workload whose quiesce has started and which are not gone yet. */
  quiescingOthers: number;
}

export type BudgetDecision = { allowed: true; message: string } | { allowed: false; message: string };

const PERCENT = /^(\d{1,3})%$/;

const count = (n: number) => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * maxConcurrent as a number of pods. A percentage is of `replicas`, rounded down like Kubernetes' maxUnavailable,
 * but never below 1: a percentage that rounds to 0 would block every drain forever, and minServing, not
 * maxConcurrent, is what protects availability. Unparseable values count as 1 (the default).
 */
export function resolveMaxConcurrent(maxConcurrent: number | string, replicas: number): number {
  if (typeof maxConcurrent === "number") return Math.max(1, count(maxConcurrent));
  const m = PERCENT.exec(maxConcurrent);
  if (!m) return 1;
  const percent = Math.min(100, Number(m[1]));
  return Math.max(1, Math.floor((count(replicas) * percent) / 100));
}

export function decideBudget(input: BudgetInput): BudgetDecision {
  const serving = count(input.servingOthers);
  const quiescing = count(input.quiescingOthers);
  const minServing = count(input.budget.minServing);
  const max = resolveMaxConcurrent(input.budget.maxConcurrent, input.replicas);
  const maxText =
    typeof input.budget.maxConcurrent === "string"
      ? `${input.budget.maxConcurrent} of ${plural(count(input.replicas), "replica")} = ${max}`
      : String(max);

  if (serving < minServing) {
    return {
      allowed: false,
      message: `refusing to quiesce: only ${plural(serving, "other pod")} serving, minServing is ${minServing}`,
    };
  }
  if (quiescing >= max) {
    return {
      allowed: false,
      message: `refusing to quiesce: ${plural(quiescing, "other pod")} already quiescing, maxConcurrent is ${maxText}`,
    };
  }
  return {
    allowed: true,
    message: `may quiesce: ${plural(serving, "other pod")} serving (minServing ${minServing}), ${quiescing} of ${maxText} quiescing`,
  };
}
