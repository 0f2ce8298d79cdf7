// The rule catalog and its pure evaluation over a recording: one result per rule, and whether every MUST passed.
import type { Recording } from "./exchange.ts";
import { ERROR_RULES } from "./rules-errors.ts";
import { QUIESCING_RULES } from "./rules-quiescing.ts";
import { REQUEST_RULES } from "./rules-requests.ts";
import { STATE_RULES } from "./rules-state.ts";
import { type Level, type Rule, Run } from "./run-view.ts";

export type Outcome = "pass" | "fail" | "skip";

export interface RuleResult {
  id: string;
  section: string;
  level: Level;
  title: string;
  outcome: Outcome;
  /** What was expected and what came back (fail), or why the rule could not be judged (skip). */
  message?: string;
}

const sectionKey = (section: string) => section.replace("§", "").split(".").map(Number);

function bySection(a: Rule, b: Rule): number {
  const [x, y] = [sectionKey(a.section), sectionKey(b.section)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Every rule, by section of docs/protocol.md (stable within a section). */
export const RULES: readonly Rule[] = [
  ...REQUEST_RULES,
  ...STATE_RULES,
  ...ERROR_RULES,
  ...QUIESCING_RULES,
].sort(bySection);

export function evaluate(recording: Recording): RuleResult[] {
  const run = new Run(recording);
  // The probe stops when the first GET gets no answer or an error status: then nothing else can be judged.
  const reached = recording.exchanges.length > 1;
  return RULES.map((rule) => {
    const verdict =
      reached || rule.id === "reachable"
        ? rule.check(run)
        : { outcome: "skip" as const, message: "the endpoint did not answer the first GET (see reachable)" };
    const { id, section, level, title } = rule;
    return { id, section, level, title, ...verdict };
  });
}

/** True when every MUST passed (skipped rules do not count against the app). */
export function conformant(results: readonly RuleResult[]): boolean {
  return results.every((r) => r.level !== "MUST" || r.outcome !== "fail");
}
