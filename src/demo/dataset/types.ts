/**
 * The dataset's public shapes: options, the spec `describeDataset` predicts, the ground truth
 * `loadDataset` counts, one generated record, and the runbook reading the dataset is scaled from.
 */

export type DatasetKeyType = 'string' | 'hash' | 'set';

/** The example incident's first reading, which the dataset is shaped after. */
export const RUNBOOK_KEYSPACE = {
  totalKeys: 6_658_630,
  keysWithTtl: 4_034_921,
  keysWithoutTtl: 2_623_709,
  memoryPct: 84.6,
  maxmemoryPolicy: 'volatile-lfu',
} as const;

export const DEFAULT_DATASET_SEED = 20260212;

export interface DatasetOptions {
  keys: number;
  /** @defaultValue 20260212 */
  seed?: number;
  /**
   * `runbook` (default): the example incident's keyspace. `mixed`: the key families of public
   * libraries (Bull, Sidekiq, Rails, Celery, …), for judging pattern inference; each record's
   * `pattern` is then its family's id, not a glob.
   */
  shape?: 'runbook' | 'mixed';
}

export interface LoadDatasetOptions extends DatasetOptions {
  /** Called after each batch is acknowledged by the server(s). */
  onProgress?: (done: number, total: number) => void;
  /** Keys per pipeline. @defaultValue 5000 */
  batchSize?: number;
  /** Batches in flight at once. @defaultValue 4 */
  concurrency?: number;
  /**
   * `raw` (default when possible): RESP written on the loader's own connection(s) built from the
   * client's options. `ioredis`: the client's own pipelines (slower, always available).
   */
  writer?: 'raw' | 'ioredis';
}

export interface TtlRange {
  minMs: number;
  maxMs: number;
}

export interface DatasetPatternSpec {
  /** Glob for SCAN MATCH, e.g. `contact:last:activity:*`. */
  pattern: string;
  /** Literal prefix every key of the pattern starts with. */
  prefix: string;
  type: DatasetKeyType;
  keys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** TTL range of the keys that have one; null when no key of the pattern has a TTL. */
  ttl: TtlRange | null;
  /** Target share of all keys (the counts are this, rounded so they add up exactly). */
  share: number;
  /** Keys written by the marketing campaign burst. */
  burst: boolean;
  description: string;
}

export interface DatasetSpec {
  seed: number;
  totalKeys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** Keyed by glob, in generation order. */
  patterns: Record<string, DatasetPatternSpec>;
}

export interface PatternGroundTruth {
  type: DatasetKeyType;
  keys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** Bytes of key names plus values (fields + values / members) as sent; not Redis' memory. */
  payloadBytes: number;
}

export interface DatasetGroundTruth {
  seed: number;
  totalKeys: number;
  keysWithTtl: number;
  keysWithoutTtl: number;
  /** Keyed by glob, e.g. `contact:last:activity:*`. */
  patterns: Record<string, PatternGroundTruth>;
}

interface RecordBase {
  key: string;
  /** Glob of the pattern the key belongs to. */
  pattern: string;
  /** Relative TTL in ms, or null for a key without TTL. */
  ttlMs: number | null;
}

export type DatasetRecord =
  | (RecordBase & { type: 'string'; value: string })
  | (RecordBase & { type: 'hash'; fields: Record<string, string> })
  | (RecordBase & { type: 'set'; members: string[] });
