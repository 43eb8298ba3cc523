/**
 * The census's per-pattern aggregation: the entry point other modules import. The table lives in
 * patterns/table.ts, its parts beside it.
 */
export type { DistinctCounterState } from './patterns/hash.js';
export {
  DEFAULT_TABLE_DELIMITERS,
  type PatternEntryState,
  PatternTable,
  type PatternTableOptions,
  type PatternTableResult,
  type PatternTableState,
} from './patterns/table.js';
export { ttlBucketIndex, ttlBucketOf } from './patterns/ttl.js';
