/** One CloudWatch datapoint (60 s resolution for ElastiCache). */
export interface TrendPoint {
  at: Date;
  value: number;
}

/** The series redis-medic reads for a cluster's primary node, oldest point first. */
export interface MetricSeries {
  /** DatabaseMemoryUsagePercentage (used_memory / maxmemory, percent). */
  memoryPct: TrendPoint[];
  /** Evictions (count per period). */
  evictions: TrendPoint[];
  /** CurrItems (keys). */
  currItems: TrendPoint[];
  /** EngineCPUUtilization (percent). */
  engineCpuPct: TrendPoint[];
  /** CPUCreditBalance: only for burstable t-class nodes, every 5 min. */
  cpuCreditBalance?: TrendPoint[];
}

export interface Thresholds {
  warning: number;
  critical: number;
  emergency: number;
}

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

/**
 * Something a front end should tell the user next to the data (an AWS call that failed, a fallback
 * taken), as an i18n key plus values, never as a sentence.
 */
export interface Note {
  key: string;
  values?: Record<string, string | number>;
}
