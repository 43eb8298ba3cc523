/**
 * The burst's window from the memory curve: where memory left its baseline, its peak, and where it
 * came back half-way down. A curve without a clear rise (under two points of percent) gives no
 * burst, and the hunt falls back to the look-back.
 */
import type { TrendPoint } from '../domain/types.js';
import type { BurstWindow } from './types.js';

/** A rise smaller than this (percentage points over the baseline) is noise, not a burst. */
export const MIN_BURST_RISE_PCT = 2;
/** Evidence is gathered from this long before the burst starts (jobs warm up, logs lead). */
export const LEAD_MARGIN_MS = 10 * 60_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/**
 * Burst start, peak and recovery in a memory series (oldest first). The baseline is the median of
 * the points before the peak's lowest quarter of the rise; the start is the point after the last one at or
 * under baseline + 5 % of the rise before the peak (the point after it is the first rising one).
 */
export function detectBurst(points: readonly TrendPoint[], lookbackEnd: Date): BurstWindow | undefined {
  if (points.length < 3) return undefined;
  let peakIndex = 0;
  points.forEach((p, i) => {
    if (p.value > (points[peakIndex]?.value ?? Number.NEGATIVE_INFINITY)) peakIndex = i;
  });
  const peak = points[peakIndex];
  if (!peak) return undefined;
  const before = points.slice(0, peakIndex + 1).map((p) => p.value);
  const low = Math.min(...before);
  const baseline = median(before.filter((v) => v <= low + (peak.value - low) / 4));
  const rise = peak.value - baseline;
  if (rise < MIN_BURST_RISE_PCT) return undefined;
  let startIndex = 0;
  for (let i = peakIndex; i >= 0; i--) {
    if ((points[i]?.value ?? 0) <= baseline + rise * 0.05) {
      startIndex = Math.min(i + 1, peakIndex);
      break;
    }
  }
  const start = points[startIndex] ?? peak;
  const recovery = points.slice(peakIndex + 1).find((p) => p.value <= baseline + rise / 2);
  const from = new Date(start.at.getTime() - LEAD_MARGIN_MS);
  return {
    from,
    to: recovery?.at ?? lookbackEnd,
    source: 'memory',
    start: start.at,
    peak: peak.at,
    peakPct: peak.value,
    baselinePct: baseline,
    ...(recovery ? { recovery: recovery.at } : {}),
  };
}
