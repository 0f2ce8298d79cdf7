// Gathers the budget inputs for one pod from the other pods of its workload.
import type { V1Pod } from "@kubernetes/client-node";
import type { Budget } from "../../api/quiesce-policy.ts";
import { type BudgetDecision, decideBudget } from "../budget/budget.ts";
import { isQuiescingNow, isServing, isTerminating } from "./pod-facts.ts";
import { type Lookups, ownershipOf, workloadKey } from "./workload.ts";

export function budgetFor(
  pod: V1Pod,
  namespacePods: readonly V1Pod[],
  budget: Budget,
  lookups: Lookups,
): BudgetDecision {
  const own = ownershipOf(pod, lookups);
  const key = workloadKey(own.workload);
  let servingOthers = 0;
  let quiescingOthers = 0;
  for (const other of namespacePods) {
    if (other.metadata?.uid === pod.metadata?.uid) continue;
    if (workloadKey(ownershipOf(other, lookups).workload) !== key) continue;
    if (isServing(other)) servingOthers++;
    else if (!isTerminating(other) && isQuiescingNow(other)) quiescingOthers++;
  }
  return decideBudget({ budget, replicas: own.workload.replicas, servingOthers, quiescingOthers });
}
