// Live terminal progress: a pure frame renderer and a writer that redraws in place on a TTY, prints lines otherwise.
import { WAY_LABELS } from "../../scenarios/ways.ts";
import type { PodTimeline, Tick } from "./rollout-run.ts";

const COLORS: Record<string, string> = {
  starting: "\x1b[36m",
  serving: "\x1b[32m",
  quiescing: "\x1b[33m",
  draining: "\x1b[35m",
  terminating: "\x1b[31m",
  gone: "\x1b[90m",
};
const RESET = "\x1b[0m";

export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? 0 : Math.round((Math.min(done, total) / total) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`;
}

/** New pods Ready and old pods gone, out of 2 x replicas steps. */
export function rolloutProgress(pods: readonly PodTimeline[], replicas: number): number {
  const oldGone = pods.filter((p) => p.old && p.goneAt !== undefined).length;
  const newReady = pods.filter((p) => !p.old && p.readyAt !== undefined).length;
  return Math.min(oldGone, replicas) + Math.min(newReady, replicas);
}

export function renderFrame(tick: Tick, now: number, color: boolean): string[] {
  const paint = (state: string, text: string) => (color ? `${COLORS[state] ?? ""}${text}${RESET}` : text);
  const elapsed =
    tick.rolloutStartedAt !== undefined ? `${((now - tick.rolloutStartedAt) / 1000).toFixed(0)} s` : "-";
  const lines = [
    `${WAY_LABELS[tick.way]} — ${tick.phase}, rollout ${elapsed}; requests ${tick.sent}, failed ${tick.failed}`,
    `rollout ${progressBar(rolloutProgress(tick.pods, tick.replicas), 2 * tick.replicas)}`,
  ];
  const visible = tick.pods.filter((p) => p.goneAt === undefined || now - p.goneAt < 3000);
  for (const p of visible) {
    const seg = p.segments.at(-1);
    const state = seg?.state ?? "starting";
    const since = seg ? `${((now - seg.from) / 1000).toFixed(0)}s` : "";
    const inFlight = p.inFlight === undefined ? "-" : String(p.inFlight);
    lines.push(
      `  ${p.name.padEnd(28)} ${p.old ? "old" : "new"}  ${paint(state, state.padEnd(11))} in flight ${inFlight.padStart(3)}  for ${since}`,
    );
  }
  return lines;
}

export interface ProgressWriter {
  update(tick: Tick): void;
  /** Ends the live area (keeps the last frame on screen). */
  done(): void;
  line(text: string): void;
}

export function progressWriter(out: NodeJS.WriteStream, periodicMs = 5000): ProgressWriter {
  const tty = out.isTTY === true;
  let drawn = 0;
  let lastPrinted = 0;
  const clear = () => {
    if (tty && drawn > 0) out.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  return {
    update(tick) {
      const now = Date.now();
      if (tty) {
        const frame = renderFrame(tick, now, true);
        clear();
        out.write(`${frame.join("\n")}\n`);
        drawn = frame.length;
        return;
      }
      if (now - lastPrinted < periodicMs) return;
      lastPrinted = now;
      const states = new Map<string, number>();
      for (const p of tick.pods) {
        const s = p.segments.at(-1)?.state ?? "starting";
        if (s !== "gone") states.set(s, (states.get(s) ?? 0) + 1);
      }
      const frame = renderFrame(tick, now, false);
      out.write(`${frame[0]}; ${frame[1]}; pods ${[...states].map(([s, n]) => `${s} ${n}`).join(", ")}\n`);
    },
    done() {
      drawn = 0;
    },
    line(text) {
      clear();
      out.write(`${text}\n`);
    },
  };
}
