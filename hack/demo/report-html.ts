// Pure: the self-contained HTML report (table, timeline SVG, failure reasons) of a demo run.
import type { RolloutRun } from "../../test/harness/report/rollout-run.ts";
import { timelineSvg } from "../../test/harness/report/timeline-svg.ts";
import { WAY_LABELS } from "../../test/scenarios/ways.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function reportHtml(runs: readonly RolloutRun[], table: string, generatedAt: Date): string {
  const reasons = runs
    .map((r) => {
      const list = Object.entries(r.summary.failuresByReason)
        .map(([why, n]) => `${esc(why)}: ${n}`)
        .join(", ");
      return `<li><b>${esc(WAY_LABELS[r.way])}</b>: ${list || "none"}</li>`;
    })
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>quiesce-operator demo</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}pre{background:#f6f8fa;padding:1em}</style>
</head><body>
<h1>Zero-loss rollouts: naive vs preStop sleep vs operator</h1>
<p>Generated ${esc(generatedAt.toISOString())}. Same Deployment (${runs[0]?.replicas ?? 0} replicas), same load, same rollout.</p>
<pre>${esc(table)}</pre>
<h2>Timeline</h2>
<p>Per pod: starting, serving, quiescing (out of the endpoints, still serving), draining (finishing its work),
terminating (deleted: preStop and SIGTERM); below each panel, failed requests per second. Time 0 is the rollout start.</p>
${timelineSvg(runs)}
<h2>Failures by reason</h2><ul>${reasons}</ul>
</body></html>
`;
}
