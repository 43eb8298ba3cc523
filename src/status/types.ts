import type { TrendAnalysis, Verdict } from '../analysis/types.js';
import type { MetricSeries, Note, Thresholds } from '../domain/types.js';
import type { RedisSnapshot } from '../redis/snapshot.js';

export type { Note } from '../domain/types.js';

/** Where the memory series came from: CloudWatch, the bot's own INFO history, or the demo's replay. */
export type TrendSourceKind = 'cloudwatch' | 'replay' | 'history';

export interface StatusTrend {
  source: TrendSourceKind;
  /** The CacheClusterId the series belongs to (the current primary). */
  node: string;
  series: MetricSeries;
  analysis?: TrendAnalysis;
}

/** Where memory stands against the thresholds; `unknown` when maxmemory is 0. */
export type MemoryLevel = 'ok' | 'warning' | 'critical' | 'emergency' | 'unknown';

/** Everything one status check learned: what every front end renders. */
export interface StatusReport {
  cluster: string;
  takenAt: Date;
  redis: RedisSnapshot;
  thresholds: Thresholds;
  level: MemoryLevel;
  trend?: StatusTrend;
  verdict: Verdict;
  notes: Note[];
}
