import type { TargetConnection } from '../redis/connect.js';
import { walkedDbs } from '../redis/databases.js';
import { PatternTable } from './pattern-table.js';
import { extrapolate } from './sampling.js';
import type { CensusResult, WalkProgress } from './types.js';
import { type ThrottleOptions, walkKeys } from './walker.js';

export interface CensusOptions {
  /** Name the result is stored and shown under. */
  cluster: string;
  /** Only keys matching this Redis glob (SCAN MATCH). */
  match?: string;
  /** Stop after this many keys and extrapolate (a sampled census). */
  sample?: number;
  /** MEMORY USAGE SAMPLES (Redis' default is 5; 0 reads every element and is O(N)). */
  memorySamples?: number;
  /** `false` = full speed; default: the walker's safe default for a small burstable node. */
  throttle?: ThrottleOptions | false;
  /** Configured TTL-rule globs: they win over inferred patterns. */
  rules?: { pattern: string }[];
  delimiters?: string;
  maxPatterns?: number;
  signal?: AbortSignal;
  onProgress?: (progress: WalkProgress) => void;
  progressEveryMs?: number;
}

/**
 * One census: walk every key (every DB in scope, every primary) once, fold each into its pattern, and
 * extrapolate when sampled. Memory stays bounded: the walker hands over a page at a time and the
 * pattern table holds counters, never keys.
 */
export async function runCensus(conn: TargetConnection, opts: CensusOptions): Promise<CensusResult> {
  const startedAt = new Date();
  const table = new PatternTable({
    ...(opts.maxPatterns ? { maxPatterns: opts.maxPatterns } : {}),
    ...(opts.rules ? { rules: opts.rules } : {}),
    ...(opts.delimiters ? { delimiters: opts.delimiters } : {}),
  });
  const summary = await walkKeys(
    conn,
    {
      ...(opts.match ? { match: opts.match } : {}),
      ...(opts.sample ? { limit: opts.sample } : {}),
      ...(opts.memorySamples !== undefined ? { samples: opts.memorySamples } : {}),
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.progressEveryMs ? { progressEveryMs: opts.progressEveryMs } : {}),
    },
    (keys) => {
      for (const key of keys) table.add(key);
    },
  );
  const exact = table.result();
  // Only a walk stopped by its key limit is a sample; an aborted one is just incomplete.
  const sampled = summary.stoppedBy === 'limit' && summary.scanned > 0;
  // With MATCH the walk can't know how many keys match, so a sampled MATCH census is not scaled.
  const fraction = sampled && !opts.match ? Math.min(1, summary.scanned / Math.max(1, summary.dbsize)) : 1;
  const figures =
    fraction < 1 ? extrapolate(exact, fraction, summary.scanned) : { ...exact, errorBound: undefined };
  const finishedAt = new Date();
  const durationMs = finishedAt.getTime() - startedAt.getTime();
  return {
    cluster: opts.cluster,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    scannedKeys: summary.scanned,
    dbsize: summary.dbsize,
    sampled: fraction < 1,
    fraction,
    ...(figures.errorBound !== undefined ? { errorBound: figures.errorBound } : {}),
    ...(opts.match ? { match: opts.match } : {}),
    totalKeys: figures.totalKeys,
    totalKeysWithoutTtl: figures.totalKeysWithoutTtl,
    totalBytes: figures.totalBytes,
    bytesEstimated: fraction < 1 || summary.bytesUnavailable === true,
    patterns: figures.patterns,
    overflowFolded: exact.overflowFolded,
    durationMs,
    keysPerSec: durationMs > 0 ? Math.round((summary.scanned / durationMs) * 1000) : summary.scanned,
    vanished: summary.vanished,
    throttlePauses: summary.pauses,
    dbs: walkedDbs(summary.nodes),
  };
}
