// How a conformance run is shown: one line per rule (outcome, section, level, id, what failed) and a verdict.
import { conformant, type RuleResult } from "./rules.ts";

export interface ConformanceReport {
  url: string;
  conformant: boolean;
  summary: { pass: number; fail: number; skip: number; mustFailed: string[]; shouldFailed: string[] };
  results: RuleResult[];
}

export function buildReport(url: string, results: RuleResult[]): ConformanceReport {
  const count = (o: RuleResult["outcome"]) => results.filter((r) => r.outcome === o).length;
  const failed = (level: RuleResult["level"]) =>
    results.filter((r) => r.outcome === "fail" && r.level === level).map((r) => r.id);
  return {
    url,
    conformant: conformant(results),
    summary: {
      pass: count("pass"),
      fail: count("fail"),
      skip: count("skip"),
      mustFailed: failed("MUST"),
      shouldFailed: failed("SHOULD"),
    },
    results,
  };
}

/** `FAIL  §6    MUST    method-405           PUT answered 200 ...; expected 405 with {"error":"method-not-allowed"}` */
export function resultLine(r: RuleResult): string {
  const head = `${r.outcome.toUpperCase().padEnd(4)}  ${r.section.padEnd(5)} ${r.level.padEnd(6)}  ${r.id.padEnd(22)}`;
  return `${head} ${r.message === undefined ? r.title : `${r.title}: ${r.message}`}`;
}

export function renderText(report: ConformanceReport): string[] {
  const { pass, fail, skip, mustFailed, shouldFailed } = report.summary;
  const failures = [
    mustFailed.length > 0 ? `MUST: ${mustFailed.join(", ")}` : "",
    shouldFailed.length > 0 ? `SHOULD: ${shouldFailed.join(", ")}` : "",
  ].filter((s) => s !== "");
  const unchecked = report.results.filter((r) => r.level === "MUST" && r.outcome === "skip").length;
  const verdict = !report.conformant
    ? "NOT conformant"
    : unchecked > 0
      ? `conformant on every MUST checked (${unchecked} not checked: see the skips)`
      : "conformant (every MUST passed)";
  return [
    `quiesce protocol conformance of ${report.url} (docs/protocol.md)`,
    ...report.results.map(resultLine),
    `${pass} passed, ${fail} failed${failures.length > 0 ? ` (${failures.join("; ")})` : ""}, ${skip} skipped: ${verdict}`,
  ];
}
