/** The pattern table's options, result and checkpoint state (plain JSON) types. */
import type { LargestKey, PatternStats } from '../types.js';
import type { DistinctCounterState } from './hash.js';

export interface PatternTableOptions {
  /** Upper bound on distinct patterns (entries) kept. @defaultValue 10 000 */
  maxPatterns?: number;
  /** Configured globs (e.g. TTL rules' MATCH); they win over inference, first match wins. */
  rules?: readonly { pattern: string }[];
  /** @defaultValue ':/|#' */
  delimiters?: string;
  /** Largest keys kept per pattern. @defaultValue 5 */
  largestPerPattern?: number;
}

export interface PatternTableResult {
  /** Biggest memory first (then most keys, then pattern). */
  patterns: PatternStats[];
  /** Distinct inferred patterns folded into an ancestor because of the bound (exact up to 65 536, then a HyperLogLog estimate, ±1 %). */
  overflowFolded: number;
  totalKeys: number;
  totalKeysWithoutTtl: number;
  totalBytes: number;
  /** Keys whose MEMORY USAGE was unavailable (`bytes: null`): counted with 0 bytes. */
  keysWithoutBytes: number;
}

/**
 * A table's counters as plain JSON, for a census checkpoint: `PatternTable.restore` with the same
 * options gives a table that goes on exactly as this one would have.
 */
export interface PatternTableState {
  entries: PatternEntryState[];
  inferredCount: number;
  overflowCount: number;
  folded: DistinctCounterState;
  totals: { keys: number; noTtl: number; bytes: number; keysWithoutBytes: number };
  /** Group keys of template positions found to vary (families.ts); absent in older checkpoints. */
  varying?: string[];
}

export interface PatternEntryState {
  pattern: string;
  source: PatternStats['source'];
  /** Rule entries: the rule's index. */
  rule?: number;
  /** Inferred and overflow entries: the pattern's bytes (base64; names need not be UTF-8). */
  patternBytes?: string;
  keys: number;
  noTtl: number;
  bytes: number;
  bytesSquares: number;
  folded: number;
  ttl: number[];
  types: number[];
  largest: LargestKey[];
  /** The smallest key name counted (base64), which overlap is judged on; absent in older checkpoints. */
  rep?: string;
}
