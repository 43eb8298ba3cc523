/**
 * The census's per-pattern aggregation: the entry point other modules import. The table lives in
 * patterns/table.ts, its parts beside it.
 */
export type { DistinctCounterState } from './patterns/hash.js';
export { DEFAULT_TABLE_DELIMITERS, PatternTable } from './patterns/table.js';
export type {
  PatternEntryState,
  PatternTableOptions,
  PatternTableResult,
  PatternTableState,
} from './patterns/table-types.js';
export { ttlBucketIndex, ttlBucketOf } from './patterns/ttl.js';
