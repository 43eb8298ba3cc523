/**
 * A small, exactly known keyspace for the TTL job tests: `matching` keys under a prefix (a share of
 * them with a TTL already), and keys outside the pattern (half with a TTL). Values are derived from
 * the names, so "no value changed" is a GET away.
 */
import type { Cluster, Redis } from 'ioredis';
import type { TtlRule } from '../../src/remediation/types.js';

export interface TtlDataset {
  prefix: string;
  /** SCAN MATCH glob of the matching keys. */
  pattern: string;
  matching: string[];
  /** Ground truth: matching keys without TTL before the run. */
  matchingWithoutTtl: number;
  other: string[];
  /** PTTL of every key right after loading (−1: none). */
  before: Map<string, number>;
  loadedAt: number;
}

/** The tests' plain rule: set a TTL of one day (10 % jitter) where a matching key has none; low risk. */
export function setMissingRule(pattern: string, name = 'test-rule'): TtlRule {
  return {
    name,
    match: pattern,
    action: 'set-missing',
    ttlSec: 86_400,
    jitter: 0.1,
    includeMissing: false,
    allowBroad: false,
    risk: 'low',
  };
}

const valueFor = (key: string) => `v:${key}`;

/** 40 % of the matching keys get a TTL of 1–17 h; half of the others get one too. */
export async function loadTtlDataset(
  redis: Redis,
  opts: { prefix: string; matching: number; other: number },
): Promise<TtlDataset> {
  const matching = Array.from({ length: opts.matching }, (_, i) => `${opts.prefix}${i}`);
  const other = Array.from(
    { length: opts.other },
    (_, i) => `zz-${opts.prefix.replace(/:$/, '')}-other:${i}`,
  );
  let matchingWithoutTtl = 0;
  const ttlOf = (i: number, share: number) => (i % 10 < share ? 3600 + (i % 1000) * 60 : 0);
  for (let start = 0; start < matching.length + other.length; start += 10_000) {
    const p = redis.pipeline();
    for (let j = start; j < Math.min(start + 10_000, matching.length + other.length); j++) {
      const isMatching = j < matching.length;
      const i = isMatching ? j : j - matching.length;
      const key = isMatching ? (matching[i] as string) : (other[i] as string);
      const ttl = ttlOf(i, isMatching ? 4 : 5);
      if (ttl > 0) p.set(key, valueFor(key), 'EX', ttl);
      else {
        p.set(key, valueFor(key));
        if (isMatching) matchingWithoutTtl++;
      }
    }
    await p.exec();
  }
  // Taken before the snapshot: a key's TTL can't have run down by more than "now − loadedAt".
  const loadedAt = Date.now();
  const before = await pttls(redis, [...matching, ...other]);
  return {
    prefix: opts.prefix,
    pattern: `${opts.prefix}*`,
    matching,
    matchingWithoutTtl,
    other,
    before,
    loadedAt,
  };
}

export async function pttls(redis: Redis, keys: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let start = 0; start < keys.length; start += 10_000) {
    const chunk = keys.slice(start, start + 10_000);
    const p = redis.pipeline();
    for (const k of chunk) p.pttl(k);
    const replies = (await p.exec()) ?? [];
    chunk.forEach((k, i) => {
      out.set(k, Number(replies[i]?.[1]));
    });
  }
  return out;
}

/** Matching keys still without TTL. */
export async function countWithout(redis: Redis, data: TtlDataset): Promise<number> {
  const now = await pttls(redis, data.matching);
  return [...now.values()].filter((v) => v === -1).length;
}

/**
 * The end state of a complete `set-missing` run, key by key: every matching key that had no TTL has
 * one within [ttl·(1−j), ttl]; every key that had a TTL keeps it (only time passed); keys outside
 * the pattern are untouched; no key was deleted and no value changed. Returns the problems found.
 */
export async function checkSetMissingEndState(
  redis: Redis,
  data: TtlDataset,
  rule: TtlRule,
): Promise<string[]> {
  const problems: string[] = [];
  const keys = [...data.matching, ...data.other];
  const after = await pttls(redis, keys);
  const elapsed = Date.now() - data.loadedAt + 1000;
  const matchingSet = new Set(data.matching);
  const lo = rule.ttlSec * (1 - rule.jitter) * 1000 - elapsed;
  const hi = rule.ttlSec * 1000;
  for (const key of keys) {
    const b = data.before.get(key) ?? -2;
    const a = after.get(key) ?? -2;
    if (a === -2) problems.push(`${key} was deleted`);
    else if (b === -1 && matchingSet.has(key)) {
      if (!(a >= lo && a <= hi)) problems.push(`${key}: TTL ${a} ms not in [${lo}, ${hi}]`);
    } else if (b === -1) {
      if (a !== -1) problems.push(`${key} is outside the pattern but got TTL ${a}`);
    } else if (!(a <= b && a >= b - elapsed)) {
      problems.push(`${key}: TTL changed from ${b} to ${a}`);
    }
    if (problems.length >= 10) break;
  }
  for (let start = 0; start < keys.length && problems.length < 10; start += 10_000) {
    const chunk = keys.slice(start, start + 10_000);
    const values = await redis.mget(...chunk);
    chunk.forEach((k, i) => {
      if (values[i] !== valueFor(k)) problems.push(`${k}: value changed to ${values[i]}`);
    });
  }
  return problems.slice(0, 10);
}

/**
 * `app:sess:0…` on a cluster: the first `withoutTtl` keys without a TTL, the next `withTtl` with
 * three days (above the one-day rule, so a set-missing run must leave them alone). Written 500 at a
 * time so a 3-primary cluster is filled in seconds.
 */
export async function loadClusterSessions(
  client: Cluster,
  opts: { withoutTtl: number; withTtl: number },
): Promise<void> {
  const total = opts.withoutTtl + opts.withTtl;
  for (let i = 0; i < total; i += 500) {
    const writes: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(total, i + 500); j++) {
      if (j < opts.withoutTtl) writes.push(client.set(`app:sess:${j}`, 'x'));
      else writes.push(client.set(`app:sess:${j}`, 'x', 'PX', 3 * 86_400_000));
    }
    await Promise.all(writes);
  }
}
