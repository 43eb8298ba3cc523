/**
 * What trend analysis and the verdict produce. Their inputs (series, thresholds) and notes are domain
 * types, re-exported here for the callers that use both.
 */
import type { TrendPoint } from '../domain/types.js';

export type { MetricSeries, Note, Thresholds, TrendPoint } from '../domain/types.js';

/** What the memory series says, independent of how it is shown. */
export interface TrendAnalysis {
  current: TrendPoint;
  peak: TrendPoint;
  /** First point of a sharp rise (a burst), when there was one in the window. */
  burstStart?: TrendPoint;
  /** Level before the burst started (percent). */
  baseline?: number;
  /** Least-squares slope over the recent part of the series, percent points per minute. */
  slopePctPerMin: number;
  /** Points the slope was fitted on; below 2 the slope is 0 and means "unknown", not "flat". */
  slopeSampleCount?: number;
}

export type VerdictKind = 'stable' | 'rising' | 'burst-recovering' | 'critical';

/** A verdict plus the reason as an i18n key and its values, so every front end can word it. */
export interface Verdict {
  kind: VerdictKind;
  reason: { key: string; values: Record<string, string | number> };
}
