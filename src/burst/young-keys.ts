/**
 * The sampled "young keys" view, when no census before the burst exists: keys with short remaining
 * TTLs per pattern, and when each key was written, as a per-minute histogram per pattern.
 *
 * Dating. The remaining TTL alone cannot date a key: the TTL it was set with is unknown, and the
 * longest remaining TTL seen is only a lower bound of it (a burst that ended has no key at its full
 * TTL; a pattern with random TTLs has none that means anything). So a few hundred keys per pattern
 * are asked OBJECT IDLETIME (seconds since the last write or read; OBJECT does not touch the key)
 * together with PTTL: remaining TTL + idle time is the TTL the key was set with when it was not
 * read since. Alike across the keys: the pattern has one TTL, and every walked key is dated as
 * expiry − that TTL. Varying: the sampled keys are dated by their idle time alone. Under an LFU
 * policy Redis keeps no idle time: the longest remaining TTL is used, labelled a lower bound, and
 * the pattern is not dated (see `WriteDating`).
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
import type { WriteDating, YoungKeysEvidence, YoungPattern } from './types.js';

export const DEFAULT_YOUNG_SAMPLE = 50_000;
/** Remaining TTLs up to this count as short (the incident's burst keys carried 11–29 minutes). */
export const DEFAULT_SHORT_TTL_MS = 3_600_000;
/** Patterns kept in the report: the ones with most writes inside the window. */
const MAX_PATTERNS = 20;
/** Keys per inferred template, and in all, asked OBJECT IDLETIME. */
const IDLE_PER_TEMPLATE = 300;
const IDLE_TOTAL = 6_000;
const IDLE_BATCH = 500;
/**
 * One TTL: at least this share of the sampled keys have remaining TTL + idle time within
 * {@link FIXED_TOLERANCE_MS} of the largest (a key read since its write shows a shorter sum).
 */
const FIXED_SHARE = 0.8;
const FIXED_TOLERANCE_MS = MINUTE_MS;
/** Fewer idle answers than this: too few to tell one TTL from many. */
const MIN_IDLE_KEYS = 3;

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
  /** Names kept for OBJECT IDLETIME (copies: the walker's are views into its reply). */
  names: Buffer[];
}

/** One key's OBJECT IDLETIME with its PTTL, read together (ms since epoch of the reading). */
interface IdleReading {
  readAt: number;
  idleMs: number;
  remainingMs: number;
}

/**
 * OBJECT IDLETIME and PTTL of the kept names, in batches. Undefined when the server keeps no idle
 * time (LFU policy) or refuses OBJECT; a key gone since the walk is left out.
 */
async function readIdleTimes(
  conn: TargetConnection,
  names: readonly Buffer[],
  now: () => number,
  signal?: AbortSignal,
): Promise<Map<Buffer, IdleReading> | undefined> {
  const out = new Map<Buffer, IdleReading>();
  let refused = 0;
  for (let i = 0; i < names.length; i += IDLE_BATCH) {
    if (signal?.aborted) break;
    const batch = names.slice(i, i + IDLE_BATCH);
    const answers = await Promise.all(
      batch.map(async (name) => {
        try {
          const [idle, pttl] = await Promise.all([
            conn.client.call('OBJECT', 'IDLETIME', name),
            conn.client.call('PTTL', name),
          ]);
          return { name, idle, pttl, readAt: now() };
        } catch {
          refused++;
          return undefined;
        }
      }),
    );
    for (const a of answers) {
      if (a && typeof a.idle === 'number' && typeof a.pttl === 'number' && a.pttl > 0) {
        out.set(a.name, { readAt: a.readAt, idleMs: a.idle * 1000, remainingMs: a.pttl });
      }
    }
    // The policy answers for every key alike: a first batch refused whole means no idle times.
    if (i === 0 && refused === batch.length) return undefined;
  }
  return out;
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
  let kept = 0;
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
          c = { expiries: [], remaining: [], maxRemaining: 0, names: [] };
          byTemplate.set(template, c);
        }
        if (c.names.length < IDLE_PER_TEMPLATE && kept < IDLE_TOTAL) {
          c.names.push(Buffer.from(key.name));
          kept++;
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
      into.names.push(...c.names);
      into.maxRemaining = Math.max(into.maxRemaining, c.maxRemaining);
    }
  }
  const idle = await readIdleTimes(
    conn,
    [...merged.values()].flatMap((c) => c.names),
    now,
    opts.signal,
  );
  const end = new Date(now());
  const patterns: (YoungPattern & { inWindow: number })[] = [];
  for (const [pattern, c] of merged) {
    const { dating, ttlMs, writtenAt, idleSampled } = dateWrites(c, idle);
    const writes = perMinute(writtenAt, opts.lookbackFrom, end);
    const run = busiestRun(writes, opts.window.from, opts.window.to);
    const sorted = [...c.remaining].sort((a, b) => a - b);
    const inWindow =
      dating === 'lower_bound'
        ? 0
        : writtenAt.filter((w) => w >= opts.window.from.getTime() && w <= opts.window.to.getTime()).length;
    patterns.push({
      pattern,
      keysWithTtl: sorted.length,
      shortTtlKeys: sorted.filter((r) => r <= horizonMs).length,
      ttl: {
        minMs: sorted[0] ?? 0,
        medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0,
        maxMs: sorted[sorted.length - 1] ?? 0,
      },
      dating,
      idleSampled,
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
    idleTime: idle !== undefined,
    patterns: patterns.slice(0, MAX_PATTERNS).map(({ inWindow: _inWindow, ...p }) => p),
  };
}

/** The write times of a pattern's keys, and how they were dated (see the file's comment). */
function dateWrites(
  c: Collected,
  idle: Map<Buffer, IdleReading> | undefined,
): { dating: WriteDating; ttlMs: number; writtenAt: number[]; idleSampled: number } {
  const readings = idle ? c.names.flatMap((n) => idle.get(n) ?? []) : [];
  if (!idle || readings.length < MIN_IDLE_KEYS) {
    const ttlMs = typicalTtl(c.maxRemaining);
    return {
      dating: 'lower_bound',
      ttlMs,
      writtenAt: c.expiries.map((e) => e - ttlMs),
      idleSampled: readings.length,
    };
  }
  // Remaining TTL + idle time: the TTL set at the last write, less the time since a later read.
  const setTtls = readings.map((r) => r.remainingMs + r.idleMs);
  // Idle time has a one-second grain and is rounded down: the TTL is rounded up to the second.
  const longest = Math.ceil(Math.max(...setTtls) / 1000) * 1000;
  const alike = setTtls.filter((s) => longest - s <= FIXED_TOLERANCE_MS).length;
  if (alike >= FIXED_SHARE * setTtls.length) {
    return {
      dating: 'fixed_ttl',
      ttlMs: longest,
      writtenAt: c.expiries.map((e) => e - longest),
      idleSampled: readings.length,
    };
  }
  return {
    dating: 'idle',
    ttlMs: longest,
    writtenAt: readings.map((r) => r.readAt - r.idleMs),
    idleSampled: readings.length,
  };
}
