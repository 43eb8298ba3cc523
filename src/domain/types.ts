/**
 * Domain types shared across layers: the metric series read for a cluster, the memory thresholds a
 * cluster is judged by, and the notes a result carries for the reader. A leaf: it imports nothing,
 * so adapters (`aws/`), config and charts can use these types without depending on `analysis/`.
 */

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

/** Memory levels (percent of maxmemory) at which a cluster counts as warning, critical, emergency. */
export interface Thresholds {
  warning: number;
  critical: number;
  emergency: number;
}

/**
 * Something a front end should tell the user next to the data (an AWS call that failed, a fallback
 * taken), as an i18n key plus values, never as a sentence.
 */
export interface Note {
  key: string;
  values?: Record<string, string | number>;
}
