import type { TargetConnection } from '../redis/connect.js';
import { walkedDbs } from '../redis/databases.js';
import { PatternTable, type PatternTableOptions, type PatternTableState } from './pattern-table.js';
import { extrapolate } from './sampling.js';
import type { CensusResult, WalkProgress } from './types.js';
import { type ThrottleOptions, type WalkPosition, WalkResumeMismatch, walkKeys } from './walker.js';

/**
 * Where a census stands, as plain JSON: the walk's position and the pattern table of every key
 * before it. Resuming from it gives the result an uninterrupted census would have (each key once).
 */
export interface CensusCheckpoint {
  startedAt: string;
  position: WalkPosition;
  table: PatternTableState;
  /** Keys walked and DBSIZE when it was saved (for "interrupted at N %"). */
  scanned: number;
  total: number;
}

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
  /** Go on from this checkpoint (same options). A checkpoint that no longer fits starts over. */
  resume?: CensusCheckpoint;
  /** Saves a checkpoint between pages, at most every `checkpointEveryMs`; the walk waits for it. */
  onCheckpoint?: (checkpoint: CensusCheckpoint) => Promise<void>;
  /** @defaultValue 2000 */
  checkpointEveryMs?: number;
}

/**
 * One census: walk every key (every DB in scope, every primary) once, fold each into its pattern, and
 * extrapolate when sampled. Memory stays bounded: the walker hands over a page at a time and the
 * pattern table holds counters, never keys.
 */
export async function runCensus(conn: TargetConnection, opts: CensusOptions): Promise<CensusResult> {
  if (!opts.resume) return census(conn, opts, undefined);
  try {
    return await census(conn, opts, opts.resume);
  } catch (err) {
    // Another server behind the address (restart, failover), or other rules: the saved cursors
    // and counts mean nothing there.
    if (!(err instanceof WalkResumeMismatch || err instanceof CheckpointMismatch)) throw err;
    return census(conn, opts, undefined);
  }
}

// Internal: caught below to start the census over; never reaches a person.
class CheckpointMismatch extends Error {}

async function census(
  conn: TargetConnection,
  opts: CensusOptions,
  resume: CensusCheckpoint | undefined,
): Promise<CensusResult> {
  const startedAt = resume ? new Date(resume.startedAt) : new Date();
  const tableOptions: PatternTableOptions = {
    ...(opts.maxPatterns ? { maxPatterns: opts.maxPatterns } : {}),
    ...(opts.rules ? { rules: opts.rules } : {}),
    ...(opts.delimiters ? { delimiters: opts.delimiters } : {}),
  };
  let table: PatternTable;
  try {
    table = resume ? PatternTable.restore(tableOptions, resume.table) : new PatternTable(tableOptions);
  } catch (err) {
    throw new CheckpointMismatch(String(err));
  }
  const every = opts.checkpointEveryMs ?? 2000;
  let lastSaved = performance.now();
  let total = resume?.total ?? 0;
  const save = opts.onCheckpoint;
  const summary = await walkKeys(
    conn,
    {
      ...(opts.match ? { match: opts.match } : {}),
      ...(opts.sample ? { limit: opts.sample } : {}),
      ...(opts.memorySamples !== undefined ? { samples: opts.memorySamples } : {}),
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p) => {
        total = p.total;
        opts.onProgress?.(p);
      },
      ...(opts.progressEveryMs ? { progressEveryMs: opts.progressEveryMs } : {}),
      ...(resume ? { resume: resume.position } : {}),
      // A position is one cursor per DB: a checkpointed walk never splits a DB into two lanes.
      ...(resume || save ? { split: false } : {}),
    },
    (keys, position) => {
      for (const key of keys) table.add(key);
      if (!save || performance.now() - lastSaved < every) return;
      lastSaved = performance.now();
      const at = position();
      const scanned = at.nodes.reduce((n, node) => n + node.units.reduce((m, u) => m + u.scanned, 0), 0);
      return save({ startedAt: startedAt.toISOString(), position: at, table: table.state(), scanned, total });
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
