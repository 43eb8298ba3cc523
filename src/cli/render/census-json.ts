import type { CensusResult } from '../../census/types.js';
import { snakeKeys } from './snake-json.js';

/** Stable, snake_case JSON of a census (the documented fields first). */
export function toCensusJson(result: CensusResult, snapshotId?: string): Record<string, unknown> {
  return {
    cluster: result.cluster,
    snapshot_id: snapshotId ?? null,
    started_at: result.startedAt,
    finished_at: result.finishedAt,
    total_keys: result.totalKeys,
    total_keys_without_ttl: result.totalKeysWithoutTtl,
    total_bytes: result.totalBytes,
    scanned_keys: result.scannedKeys,
    dbsize: result.dbsize,
    sampled: result.sampled,
    fraction: result.fraction,
    error_bound: result.errorBound ?? null,
    bytes_estimated: result.bytesEstimated,
    match: result.match ?? null,
    overflow_folded: result.overflowFolded,
    vanished: result.vanished,
    duration_ms: result.durationMs,
    keys_per_sec: result.keysPerSec,
    dbs: result.dbs ?? null,
    patterns: result.patterns.map((p) => ({
      pattern: p.pattern,
      source: p.source,
      keys: p.keys,
      keys_without_ttl: p.keysWithoutTtl,
      bytes: p.bytes,
      ttl_buckets: p.ttlBuckets,
      types: p.types,
      largest: snakeKeys(p.largest),
      error_bound: p.errorBound
        ? {
            keys: p.errorBound.keys,
            keys_without_ttl: p.errorBound.keysWithoutTtl,
            bytes: p.errorBound.bytes,
            keys_low: p.errorBound.keysLow ?? null,
            keys_high: p.errorBound.keysHigh ?? null,
            seen: p.errorBound.seen ?? null,
            reliable: p.errorBound.reliable ?? null,
          }
        : null,
      // keys of other patterns this pattern's glob also selects (what a rule with it as MATCH would touch beyond it)
      overlap_keys: p.overlapKeys ?? 0,
    })),
  };
}
