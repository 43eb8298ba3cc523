/**
 * The key census: per key pattern, how many keys, how many never expire, how much memory, how long
 * they live. Shared types between the SCAN walker, the pattern aggregation, snapshots and the
 * front ends. Key names are bytes (Buffer): binary and non-UTF-8 names are legal in Redis.
 */

export type KeyType = 'string' | 'hash' | 'set' | 'zset' | 'list' | 'stream' | 'other';

/** One key as the walker saw it. `pttlMs` is -1 for no TTL; vanished keys are never emitted. */
export interface ScannedKey {
  name: Buffer;
  type: KeyType;
  pttlMs: number;
  /** MEMORY USAGE (with the configured SAMPLES); null when the command is unavailable. */
  bytes: number | null;
}

/** TTL spread buckets (the runbook's "TTL policy" view): none / <1 h / <1 d / <7 d / <30 d / <90 d / ≥90 d. */
export const TTL_BUCKETS = ['none', 'lt1h', 'lt1d', 'lt7d', 'lt30d', 'lt90d', 'ge90d'] as const;
export type TtlBucket = (typeof TTL_BUCKETS)[number];

export interface LargestKey {
  /** Key name, escaped for display (non-printable bytes as \xNN). */
  key: string;
  bytes: number;
  type: KeyType;
  pttlMs: number;
}

export interface PatternStats {
  /** e.g. `contact:last:activity:*` */
  pattern: string;
  /** Where the pattern came from: a configured rule's MATCH glob, inferred from key names, or an overflow fold. */
  source: 'rule' | 'inferred' | 'overflow';
  keys: number;
  keysWithoutTtl: number;
  bytes: number;
  ttlBuckets: Record<TtlBucket, number>;
  types: Partial<Record<KeyType, number>>;
  /** Largest keys of the pattern, biggest first (bounded). */
  largest: LargestKey[];
  /** Distinct inferred patterns folded into this entry because of the pattern bound (absent when none). */
  folded?: number;
  /**
   * Σ bytes² over the keys actually read (never extrapolated): with `bytes` it gives a sampled
   * census's error bound on bytes. Absent after extrapolation.
   */
  bytesSquares?: number;
  /**
   * Keys of other patterns this pattern's glob also selects (absent when none): what a rule with
   * this MATCH would touch beyond the pattern's own keys.
   */
  overlapKeys?: number;
  /** Sampled census only: relative half-widths of this pattern's ~95 % intervals (null where the count is 0). */
  errorBound?: PatternErrorBound;
}

/** Relative half-widths of ~95 % intervals, e.g. 0.03 = ±3 %. */
export interface PatternErrorBound {
  keys: number | null;
  keysWithoutTtl: number | null;
  bytes: number | null;
  /** Keys of the pattern the sample read. (Censuses stored before it was recorded lack it.) */
  seen?: number;
  /** ~95 % interval of the pattern's key count in the whole keyspace. */
  keysLow?: number;
  keysHigh?: number;
  /** False when seen too few times for its figures to mean much: shown as such, left out of the headline. */
  reliable?: boolean;
}

export interface WalkProgress {
  scanned: number;
  /** DBSIZE summed over what is being walked, read at the start. */
  total: number;
  keysPerSec: number;
  etaSec: number | null;
  /** Pauses the throttle took because of PING latency (or memory) guards. */
  pauses: number;
}

export interface CensusResult {
  cluster: string;
  startedAt: string;
  finishedAt: string;
  /** Keys the walk saw (after MATCH). */
  scannedKeys: number;
  /** DBSIZE summed at the start: a sampled census extrapolates to it. */
  dbsize: number;
  sampled: boolean;
  /** For a sampled census: scannedKeys / dbsize. 1 for a full one. */
  fraction: number;
  /** When sampled: half-width of the ~95 % interval, as a fraction of each extrapolated count. */
  errorBound?: number;
  match?: string;
  totalKeys: number;
  totalKeysWithoutTtl: number;
  totalBytes: number;
  /** True when any byte figure is estimated (sampled census, or MEMORY USAGE unavailable). */
  bytesEstimated: boolean;
  /** Patterns, biggest memory first. */
  patterns: PatternStats[];
  /** Distinct patterns folded into parent prefixes because of the bound. */
  overflowFolded: number;
  durationMs: number;
  keysPerSec: number;
  /** Keys that vanished between SCAN and the per-key reads (normal on a live server). */
  vanished: number;
  throttlePauses: number;
  /** The DBs walked: the target URL's DB, else every DB with keys (always [0] on a cluster). */
  dbs?: number[];
}
