// The Grafana dashboard plots only series the operator exports: every metric a panel's query names is registered,
// with the labels the query groups or filters by.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../operator/observability/metrics.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dashboard = readFileSync(
  join(ROOT, "charts", "quiesce-operator", "dashboards", "quiesce-operator.json"),
  "utf8",
);
const exprs = [...dashboard.matchAll(/"expr":\s*"((?:[^"\\]|\\.)*)"/g)].map(
  (m) => JSON.parse(`"${m[1]}"`) as string,
);
const PROMQL_WORDS = new Set(["sum", "by", "rate", "increase", "max", "histogram_quantile", "le", "job"]);

/** Metric names in a PromQL expression: identifiers followed by a selector. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)]
    .map((m) => m[1] ?? "")
    .filter((n) => !PROMQL_WORDS.has(n));
}

/** Labels a query groups by (`by (a, b)`) or matches on (`{a="x"}`), without Prometheus' own job/le. */
function labelsUsed(expr: string): string[] {
  const grouped = [...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((m) =>
    (m[1] ?? "").split(",").map((l) => l.trim()),
  );
  const matched = [...expr.matchAll(/[{,]\s*([a-z_]+)\s*=~?/g)].map((m) => m[1] ?? "");
  return [...grouped, ...matched].filter((l) => l !== "" && l !== "job" && l !== "le" && l !== "pod");
}

describe("the dashboard's queries", () => {
  const metrics = createMetrics();
  it("name only metrics the operator registers", async () => {
    expect(exprs.length).toBeGreaterThan(10);
    const registered = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    for (const expr of exprs) {
      for (const name of metricNames(expr)) {
        const base = name.replace(/_(bucket|sum|count)$/, "");
        expect(registered.has(name) || registered.has(base), `${name} in ${expr}`).toBe(true);
      }
    }
  });

  it("group and filter only by labels those metrics have", async () => {
    const labels = new Map<string, string[]>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      const metric = metrics.registry.getSingleMetric(m.name) as unknown as
        | { labelNames?: string[] }
        | undefined;
      labels.set(m.name, metric?.labelNames ?? []);
    }
    for (const expr of exprs) {
      const known = metricNames(expr).flatMap((n) => labels.get(n.replace(/_(bucket|sum|count)$/, "")) ?? []);
      for (const label of labelsUsed(expr)) expect(known, `label ${label} in ${expr}`).toContain(label);
    }
  });
});
