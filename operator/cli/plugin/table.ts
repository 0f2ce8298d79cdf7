// kubectl-style output: aligned columns with a header, or the objects as JSON or YAML.
import { stringify } from "yaml";

export type OutputFormat = "table" | "json" | "yaml";

/** Columns padded to the widest cell, three spaces apart, like `kubectl get`. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("   ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

export function renderObject(value: unknown, format: "json" | "yaml"): string {
  return format === "json" ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}
