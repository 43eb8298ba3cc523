/**
 * One read-only walk of the keyspace for the eviction advice: per pattern (the TTL rules' globs,
 * then job-queue and lock globs, then the latest census's patterns; first match wins) the keys and
 * bytes with and without a TTL, and a few key names per pattern to ask how hot they are. The walk
 * itself is the census's (keyspace layer: SCAN, pacing, every primary and DB in scope).
 */
import { walkKeys } from '../census/walker.js';
import { compileGlob, type KeyMatcher } from '../keyspace/glob.js';
import type { ThrottleOptions } from '../keyspace/pacing/throttle.js';
import type { TargetConnection } from '../redis/connect.js';
import type { RiskLevel } from '../remediation/types.js';
import type { QueueFamily } from './queue-patterns.js';

export interface EvictionPatternInput {
  pattern: string;
  source: 'rule' | 'queue' | 'census';
  /** The rule's name (source `rule`). */
  rule?: string;
  risk?: RiskLevel;
  note?: string;
  family?: QueueFamily;
}

export interface EvictionCounts {
  keys: number;
  keysWithTtl: number;
  bytes: number;
  bytesWithTtl: number;
}

export interface EvictionPatternStats extends EvictionPatternInput, EvictionCounts {
  /** Key names (latin1 round-trips any bytes) sampled for OBJECT FREQ / IDLETIME. */
  sampleNames: string[];
}

export interface EvictionWalk {
  totals: EvictionCounts;
  patterns: EvictionPatternStats[];
  /** Keys no pattern matched. */
  other: EvictionCounts;
  complete: boolean;
  /** MEMORY USAGE refused somewhere: byte figures are lower bounds. */
  bytesUnavailable: boolean;
}

export interface EvictionWalkOptions {
  throttle?: ThrottleOptions | false;
  /** Stop after this many keys (the figures then cover only what was walked: `complete` false). */
  limit?: number;
  signal?: AbortSignal;
  /** Key names kept per pattern for the hotness sample. @defaultValue 20 */
  samplesPerPattern?: number;
}

const empty = (): EvictionCounts => ({ keys: 0, keysWithTtl: 0, bytes: 0, bytesWithTtl: 0 });

function add(counts: EvictionCounts, pttlMs: number, bytes: number): void {
  counts.keys++;
  counts.bytes += bytes;
  if (pttlMs >= 0) {
    counts.keysWithTtl++;
    counts.bytesWithTtl += bytes;
  }
}

export async function walkEvictability(
  conn: TargetConnection,
  inputs: readonly EvictionPatternInput[],
  opts: EvictionWalkOptions = {},
): Promise<EvictionWalk> {
  const keep = opts.samplesPerPattern ?? 20;
  // One entry per distinct glob, in priority order.
  const seen = new Set<string>();
  const entries: { input: EvictionPatternInput; match: KeyMatcher; stats: EvictionPatternStats }[] = [];
  for (const input of inputs) {
    if (seen.has(input.pattern)) continue;
    seen.add(input.pattern);
    entries.push({
      input,
      match: compileGlob(input.pattern),
      stats: { ...input, ...empty(), sampleNames: [] },
    });
  }
  const totals = empty();
  const other = empty();
  const summary = await walkKeys(
    conn,
    {
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    (keys) => {
      for (const key of keys) {
        const bytes = key.bytes ?? 0;
        add(totals, key.pttlMs, bytes);
        const entry = entries.find((e) => e.match(key.name));
        if (entry === undefined) {
          add(other, key.pttlMs, bytes);
          continue;
        }
        add(entry.stats, key.pttlMs, bytes);
        if (entry.stats.sampleNames.length < keep) entry.stats.sampleNames.push(key.name.toString('latin1'));
      }
    },
  );
  return {
    totals,
    patterns: entries.map((e) => e.stats).filter((p) => p.keys > 0 || p.source === 'rule'),
    other,
    complete: summary.complete,
    bytesUnavailable: summary.bytesUnavailable,
  };
}
