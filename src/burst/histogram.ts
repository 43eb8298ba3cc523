/**
 * Per-minute counts on the hunt's shared timeline, and the busiest run in them: the pure arithmetic
 * the Redis, log and job evidence share.
 */
import type { MinuteCount } from './types.js';

export const MINUTE_MS = 60_000;

export function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** Counts of `times` (ms) per minute over [from, to), every minute present (zeros included). */
export function perMinute(times: Iterable<number>, from: Date, to: Date): MinuteCount[] {
  const start = floorMinute(from.getTime());
  const n = Math.max(0, Math.ceil((to.getTime() - start) / MINUTE_MS));
  const counts = new Array<number>(n).fill(0);
  for (const t of times) {
    const i = Math.floor((t - start) / MINUTE_MS);
    if (i >= 0 && i < n) counts[i] = (counts[i] ?? 0) + 1;
  }
  return counts.map((count, i) => ({ at: new Date(start + i * MINUTE_MS), count }));
}

/** Sparse minute counts (e.g. Logs Insights bins) laid on the same grid as {@link perMinute}. */
export function onGrid(points: readonly MinuteCount[], from: Date, to: Date): MinuteCount[] {
  const grid = perMinute([], from, to);
  const start = grid[0]?.at.getTime() ?? 0;
  for (const p of points) {
    const cell = grid[Math.floor((p.at.getTime() - start) / MINUTE_MS)];
    if (cell) cell.count += p.count;
  }
  return grid;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * The busiest run inside [from, to]: its peak minute, and its start (walking back from the peak
 * while minutes stay above a tenth of the peak and twice the median, one quiet minute tolerated).
 */
export function busiestRun(
  counts: readonly MinuteCount[],
  from: Date,
  to: Date,
): { start: Date; peak: Date; peakCount: number } | undefined {
  let peak = -1;
  counts.forEach((c, i) => {
    const at = c.at.getTime();
    if (at + MINUTE_MS <= from.getTime() || at > to.getTime()) return;
    if (c.count > 0 && (peak < 0 || c.count > (counts[peak]?.count ?? 0))) peak = i;
  });
  const top = counts[peak];
  if (!top) return undefined;
  const threshold = Math.max(1, top.count * 0.1, 2 * median(counts.map((c) => c.count)));
  let start = peak;
  for (let i = peak - 1; i >= 0; i--) {
    const here = counts[i]?.count ?? 0;
    const further = counts[i - 1]?.count ?? 0;
    if (here >= threshold) start = i;
    else if (further >= threshold) continue;
    else break;
  }
  return { start: counts[start]?.at ?? top.at, peak: top.at, peakCount: top.count };
}
