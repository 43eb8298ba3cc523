import type { Thresholds, TrendAnalysis, Verdict } from './types.js';

/** Slopes within ±this many percent points per minute count as flat. */
export const FLAT_SLOPE_PCT_PER_MIN = 0.05;
/** Extrapolating a 15-minute slope further than this says nothing: give no ETA then. */
export const MAX_ETA_MINUTES = 360;

/** Every reason key decideVerdict can return, so locale files can be checked against it. */
export const VERDICT_REASON_KEYS = [
  'verdict.reason.no_maxmemory',
  'verdict.reason.evicting',
  'verdict.reason.above_emergency',
  'verdict.reason.above_emergency_falling',
  'verdict.reason.critical_and_rising',
  'verdict.reason.burst_recovering',
  'verdict.reason.rising_eta',
  'verdict.reason.rising',
  'verdict.reason.falling',
  'verdict.reason.flat',
  'verdict.reason.no_trend',
] as const;
export type VerdictReasonKey = (typeof VERDICT_REASON_KEYS)[number];

export interface VerdictInput {
  /** maxmemory-policy from INFO: evictions mean different things under allkeys-* and volatile-*. */
  maxmemoryPolicy?: string;
  /**
   * used_memory / maxmemory in percent; null when maxmemory is 0 (no limit). When INFO is not
   * available, pass the trend's current value instead.
   */
  memoryPct: number | null;
  trend?: TrendAnalysis;
  thresholds: Thresholds;
  /** Evictions over the recent window (e.g. recentSum of the Evictions series). */
  evictionsInWindow?: number;
}

/** One decimal, and never `-0` (which would print as "-0"). */
function round1(x: number): number {
  return Math.round(x * 10) / 10 + 0;
}

function reason(
  kind: Verdict['kind'],
  key: VerdictReasonKey,
  values: Record<string, string | number> = {},
): Verdict {
  return { kind, reason: { key, values } };
}

/** The slope, or undefined when the trend has too few points to tell. */
function knownSlope(trend: TrendAnalysis | undefined): number | undefined {
  if (trend === undefined) return undefined;
  if (trend.slopeSampleCount !== undefined && trend.slopeSampleCount < 2) return undefined;
  return Number.isFinite(trend.slopePctPerMin) ? trend.slopePctPerMin : undefined;
}

function nextThreshold(
  current: number,
  t: Thresholds,
): { level: keyof Thresholds; value: number } | undefined {
  const ordered = (['warning', 'critical', 'emergency'] as const)
    .map((level) => ({ level, value: t[level] }))
    .sort((a, b) => a.value - b.value);
  return ordered.find((x) => x.value > current);
}

/**
 * The runbook's reading of a memory situation: `critical` when evicting, at/above emergency and not
 * falling, or at/above critical and rising; `burst-recovering` when a burst happened and memory now
 * falls; `rising` when the slope exceeds +0.05 %/min; `stable` otherwise. Reason values are numbers
 * rounded to one decimal (slopes as positive rates in the direction the kind names, minutes as
 * whole minutes) and ISO 8601 dates.
 */
export function decideVerdict(input: VerdictInput): Verdict {
  const { memoryPct, trend, thresholds } = input;
  if (memoryPct === null) return reason('stable', 'verdict.reason.no_maxmemory');
  const current = round1(memoryPct);
  const slope = knownSlope(trend);
  const rising = slope !== undefined && slope > FLAT_SLOPE_PCT_PER_MIN;
  const falling = slope !== undefined && slope < -FLAT_SLOPE_PCT_PER_MIN;

  const evictions = input.evictionsInWindow ?? 0;
  // Under allkeys-* a cache evicting steadily is doing its job; only below the critical line.
  const evictionIsNormal =
    input.maxmemoryPolicy?.startsWith('allkeys-') === true && memoryPct < thresholds.critical;
  if (evictions > 0 && !evictionIsNormal)
    return reason('critical', 'verdict.reason.evicting', { evictions: round1(evictions), current });

  if (memoryPct >= thresholds.emergency && !falling) {
    return reason('critical', 'verdict.reason.above_emergency', { current, threshold: thresholds.emergency });
  }

  if (rising && memoryPct >= thresholds.critical) {
    // Below emergency here (the branch above caught the rest), so the ETA is always positive.
    return reason('critical', 'verdict.reason.critical_and_rising', {
      current,
      threshold: thresholds.critical,
      slope: round1(slope),
      emergency: thresholds.emergency,
      minutes: Math.max(1, Math.round((thresholds.emergency - memoryPct) / slope)),
    });
  }

  // Above the emergency line a falling slope is good news, not "stable": an on-call must not
  // stand down at 88 %. Only a recognised burst (keys expiring) reads as recovering.
  if (memoryPct >= thresholds.emergency && falling && trend?.burstStart === undefined) {
    return reason('critical', 'verdict.reason.above_emergency_falling', {
      current,
      threshold: thresholds.emergency,
      slope: round1(-(slope ?? 0)),
    });
  }

  if (falling && trend?.burstStart !== undefined) {
    return reason('burst-recovering', 'verdict.reason.burst_recovering', {
      slope: round1(-slope),
      peak: round1(trend.peak.value),
      peakAt: trend.peak.at.toISOString(),
      current,
      burstStartAt: trend.burstStart.at.toISOString(),
      ...(trend.baseline !== undefined ? { baseline: round1(trend.baseline) } : {}),
    });
  }

  if (rising) {
    const next = nextThreshold(memoryPct, thresholds);
    const minutes = next === undefined ? undefined : (next.value - memoryPct) / slope;
    if (next !== undefined && minutes !== undefined && minutes <= MAX_ETA_MINUTES) {
      return reason('rising', 'verdict.reason.rising_eta', {
        current,
        slope: round1(slope),
        level: next.level,
        threshold: next.value,
        minutes: Math.max(1, Math.round(minutes)),
      });
    }
    return reason('rising', 'verdict.reason.rising', { current, slope: round1(slope) });
  }

  if (falling) return reason('stable', 'verdict.reason.falling', { current, slope: round1(-slope) });
  if (slope === undefined) return reason('stable', 'verdict.reason.no_trend', { current });
  return reason('stable', 'verdict.reason.flat', { current });
}
