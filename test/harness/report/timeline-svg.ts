// Pure: one SVG with a panel per way: each pod's states over time, and failed requests per second below.
import { WAY_LABELS } from "../../scenarios/ways.ts";
import type { PodState } from "./pod-state.ts";
import type { RolloutRun } from "./rollout-run.ts";

export const STATE_COLORS: Record<PodState, string> = {
  starting: "#7dd3fc",
  serving: "#22c55e",
  quiescing: "#f59e0b",
  draining: "#a855f7",
  terminating: "#ef4444",
  gone: "none",
};

const W = 960;
const LABEL = 190;
const ROW = 14;
const FAIL_H = 40;
const LEAD_MS = 4000;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function panel(run: RolloutRun, spanMs: number, top: number): { svg: string; height: number } {
  const x0 = run.startedAt - LEAD_MS;
  const plotW = W - LABEL - 10;
  const x = (t: number) => LABEL + (Math.max(0, Math.min(spanMs, t - x0)) / spanMs) * plotW;
  const pods = [...run.pods].sort((a, b) => Number(b.old) - Number(a.old) || a.createdAt - b.createdAt);
  const parts: string[] = [];
  const failed = run.summary.failed;
  const longCut = run.summary.byClass.long.failed;
  const duration = ((run.finishedAt - run.startedAt) / 1000).toFixed(1);
  parts.push(
    `<text x="0" y="${top + 14}" font-weight="bold">${esc(WAY_LABELS[run.way])}</text>` +
      `<text x="${LABEL}" y="${top + 14}">rollout ${duration} s · ${run.summary.sent} requests · ${failed} failed · ${longCut} long cut</text>`,
  );
  let y = top + 24;
  for (const p of pods) {
    parts.push(`<text x="0" y="${y + ROW - 4}" font-size="10">${esc(p.name)}${p.old ? "" : " (new)"}</text>`);
    for (const s of p.segments) {
      if (s.state === "gone") continue;
      const a = x(s.from);
      const b = x(s.to ?? run.finishedAt + 1000);
      if (b - a < 0.5) continue;
      parts.push(
        `<rect x="${a.toFixed(1)}" y="${y + 1}" width="${(b - a).toFixed(1)}" height="${ROW - 3}" fill="${STATE_COLORS[s.state]}"><title>${s.state}</title></rect>`,
      );
    }
    y += ROW;
  }
  // Failed requests per second, by request start.
  const bins = new Map<number, number>();
  for (const f of run.failures) {
    const bin = Math.floor((f.at - x0) / 1000);
    if (bin >= 0 && bin * 1000 <= spanMs) bins.set(bin, (bins.get(bin) ?? 0) + 1);
  }
  const peak = Math.max(1, ...bins.values());
  const base = y + FAIL_H;
  parts.push(
    `<text x="0" y="${base - 4}" font-size="10">failed requests / s (max ${bins.size ? peak : 0})</text>`,
  );
  parts.push(`<line x1="${LABEL}" y1="${base}" x2="${W - 10}" y2="${base}" stroke="#999"/>`);
  const binW = Math.max(1, (1000 / spanMs) * plotW - 0.5);
  for (const [bin, count] of bins) {
    const h = (count / peak) * (FAIL_H - 6);
    parts.push(
      `<rect x="${x(x0 + bin * 1000).toFixed(1)}" y="${(base - h).toFixed(1)}" width="${binW.toFixed(1)}" height="${h.toFixed(1)}" fill="#dc2626"><title>${count} failed</title></rect>`,
    );
  }
  // Time axis: seconds since the rollout began.
  for (let s = 0; s * 1000 <= spanMs - LEAD_MS; s += 10) {
    const tx = x(run.startedAt + s * 1000);
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${top + 20}" x2="${tx.toFixed(1)}" y2="${base}" stroke="#ddd"/>`,
    );
    parts.push(`<text x="${tx.toFixed(1)}" y="${base + 12}" font-size="9" text-anchor="middle">${s}s</text>`);
  }
  return { svg: parts.join(""), height: base + 20 - top };
}

export function timelineSvg(runs: readonly RolloutRun[]): string {
  const spanMs = Math.max(...runs.map((r) => r.finishedAt - r.startedAt + LEAD_MS + 2000));
  let top = 0;
  const panels: string[] = [];
  for (const run of runs) {
    const p = panel(run, spanMs, top);
    panels.push(p.svg);
    top += p.height + 16;
  }
  const legend = (Object.keys(STATE_COLORS) as PodState[])
    .filter((s) => s !== "gone")
    .map(
      (s, i) =>
        `<rect x="${LABEL + i * 110}" y="${top}" width="12" height="12" fill="${STATE_COLORS[s]}"/><text x="${LABEL + i * 110 + 16}" y="${top + 10}" font-size="11">${s}</text>`,
    )
    .join("");
  const height = top + 20;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif" font-size="12">` +
    `<rect width="${W}" height="${height}" fill="white"/>${panels.join("")}${legend}</svg>`
  );
}
