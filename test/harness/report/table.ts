// Pure: the side-by-side table of the three ways (plain text, also valid Markdown).
import { WAY_LABELS, type Way } from "../../scenarios/ways.ts";

export interface WayRow {
  way: Way;
  requests: number;
  failed: number;
  longRequests: number;
  longFailed: number;
  rolloutSeconds: number;
}

const pct = (part: number, whole: number) => (whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(1)}%`);

export function comparisonTable(rows: readonly WayRow[]): string {
  const header = ["", ...rows.map((r) => WAY_LABELS[r.way])];
  const lines = [
    ["requests sent", ...rows.map((r) => r.requests.toLocaleString("en-US"))],
    ["failed", ...rows.map((r) => `${r.failed.toLocaleString("en-US")} (${pct(r.failed, r.requests)})`)],
    ["long requests cut", ...rows.map((r) => `${r.longFailed} of ${r.longRequests}`)],
    ["rollout duration", ...rows.map((r) => `${r.rolloutSeconds.toFixed(1)} s`)],
  ];
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const fmt = (row: string[]) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [fmt(header), rule, ...lines.map(fmt)].join("\n");
}
