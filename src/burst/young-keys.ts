/**
 * The sampled "young keys" view, when no census before the burst exists. Under an LFU policy
 * OBJECT IDLETIME is unavailable, so the remaining TTL is what dates a key: keys with short
 * remaining TTLs per pattern, and, assuming every key of a pattern is written with one TTL, the
 * time each key was written (≈ expiry − typical TTL) as a per-minute histogram per pattern.
 *
 * The walk is the census's (census/walker.ts over keyspace/scan): sampled, paced, read-only
 * (PTTL, TYPE, MEMORY USAGE never touch LRU/LFU).
 */

import { PatternInferrer } from '../census/key-pattern.js';
import { DEFAULT_TABLE_DELIMITERS, PatternTable } from '../census/pattern-table.js';
import { type ThrottleOptions, walkKeys } from '../census/walker.js';
import { compileGlob, type KeyMatcher } from '../keyspace/glob.js';
import type { TargetConnection } from '../redis/connect.js';
import { busiestRun, MINUTE_MS, perMinute } from './histogram.js';
import type { YoungKeysEvidence, YoungPattern } from './types.js';

export const DEFAULT_YOUNG_SAMPLE = 50_000;
/** Remaining TTLs up to this count as short (the incident's burst keys carried 11–29 minutes). */
export const DEFAULT_SHORT_TTL_MS = 3_600_000;
/** Patterns kept in the report: the ones with most writes inside the window. */
const MAX_PATTERNS = 20;

export interface YoungKeysOptions {
  /** The histogram covers [lookbackFrom, now]. */
  lookbackFrom: Date;
  window: { from: Date; to: Date };
  sample?: number;
  horizonMs?: number;
  throttle?: ThrottleOptions | false;
  signal?: AbortSignal;
  now?: () => number;
}

/** The typical TTL: the longest remaining TTL seen, rounded up to a whole minute. */
export function typicalTtl(maxRemainingMs: number): number {
  return Math.max(MINUTE_MS, Math.ceil(maxRemainingMs / MINUTE_MS) * MINUTE_MS);
}

interface Collected {
  /** Expiry instants (ms since epoch): invariant while the key lives. */
  expiries: number[];
  remaining: number[];
  maxRemaining: number;
}

function literalLength(glob: string): number {
  return glob.replace(/\\.|[*?]|\[[^\]]*\]/g, '').length;
}

export async function sampleYoungKeys(
  conn: TargetConnection,
  opts: YoungKeysOptions,
): Promise<YoungKeysEvidence> {
  const now = opts.now ?? Date.now;
  const sample = opts.sample ?? DEFAULT_YOUNG_SAMPLE;
  const horizonMs = opts.horizonMs ?? DEFAULT_SHORT_TTL_MS;
  const table = new PatternTable({ delimiters: DEFAULT_TABLE_DELIMITERS });
  const inferrer = new PatternInferrer({ delimiters: DEFAULT_TABLE_DELIMITERS });
  const byTemplate = new Map<string, Collected>();
  const summary = await walkKeys(
    conn,
    {
      limit: sample,
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    (keys) => {
      const readAt = now();
      for (const key of keys) {
        table.add(key);
        if (key.pttlMs <= 0) continue;
        const len = inferrer.infer(key.name);
        const template = inferrer.out.toString('utf8', 0, len);
        let c = byTemplate.get(template);
        if (!c) {
          c = { expiries: [], remaining: [], maxRemaining: 0 };
          byTemplate.set(template, c);
        }
        c.expiries.push(readAt + key.pttlMs);
        c.remaining.push(key.pttlMs);
        if (key.pttlMs > c.maxRemaining) c.maxRemaining = key.pttlMs;
      }
    },
  );
  // Templates become the census's pattern names (families merged), so both views name alike.
  const globs: { pattern: string; match: KeyMatcher; literal: number }[] = table
    .result()
    .patterns.map((p) => ({
      pattern: p.pattern,
      match: compileGlob(p.pattern),
      literal: literalLength(p.pattern),
    }));
  const merged = new Map<string, Collected>();
  for (const [template, c] of byTemplate) {
    const bytes = Buffer.from(template);
    const best = globs.filter((g) => g.match(bytes)).sort((a, b) => b.literal - a.literal)[0];
    const name = best?.pattern ?? template;
    const into = merged.get(name);
    if (!into) merged.set(name, { ...c });
    else {
      into.expiries.push(...c.expiries);
      into.remaining.push(...c.remaining);
      into.maxRemaining = Math.max(into.maxRemaining, c.maxRemaining);
    }
  }
  const end = new Date(now());
  const patterns: (YoungPattern & { inWindow: number })[] = [];
  for (const [pattern, c] of merged) {
    const ttlMs = typicalTtl(c.maxRemaining);
    const writes = perMinute(
      c.expiries.map((e) => e - ttlMs),
      opts.lookbackFrom,
      end,
    );
    const run = busiestRun(writes, opts.window.from, opts.window.to);
    const sorted = [...c.remaining].sort((a, b) => a - b);
    const inWindow = c.expiries.filter((e) => {
      const w = e - ttlMs;
      return w >= opts.window.from.getTime() && w <= opts.window.to.getTime();
    }).length;
    patterns.push({
      pattern,
      keysWithTtl: sorted.length,
      shortTtlKeys: sorted.filter((r) => r <= horizonMs).length,
      ttl: {
        minMs: sorted[0] ?? 0,
        medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        maxMs: sorted[sorted.length - 1] ?? 0,
      },
      typicalTtlMs: ttlMs,
      writes,
      ...(run ? { burstStart: run.start, burstPeak: run.peak } : {}),
      inWindow,
    });
  }
  patterns.sort(
    (a, b) => b.inWindow - a.inWindow || b.shortTtlKeys - a.shortTtlKeys || (a.pattern < b.pattern ? -1 : 1),
  );
  return {
    sampledKeys: summary.scanned,
    sampleLimit: sample,
    horizonMs,
    patterns: patterns.slice(0, MAX_PATTERNS).map(({ inWindow: _inWindow, ...p }) => p),
  };
}
