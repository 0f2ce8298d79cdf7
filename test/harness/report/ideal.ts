// Pure: the ideal rollout time (per wave: the longest real drain in it plus pod start-up) and per-pod timings.
export interface OldPodDrain {
  /** When the pod was asked to go (epoch ms). */
  removalAt: number;
  /** When the last request it served ended (epoch ms); the pod's real drain ends there. */
  lastRequestEnd: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/**
 * Old pods in removal order, `perWave` at a time (maxSurge with maxUnavailable 0). Each wave costs the start-up of
 * its replacements plus its longest drain: nothing can be faster without cutting work.
 */
export function idealRolloutMs(old: readonly OldPodDrain[], startupMs: number, perWave: number): number {
  if (perWave < 1) throw new Error(`idealRolloutMs: perWave must be >= 1, got ${perWave}`);
  const ordered = [...old].sort((a, b) => a.removalAt - b.removalAt);
  let total = 0;
  for (let i = 0; i < ordered.length; i += perWave) {
    const wave = ordered.slice(i, i + perWave);
    const longest = Math.max(0, ...wave.map((p) => p.lastRequestEnd - p.removalAt));
    total += startupMs + longest;
  }
  return total;
}
