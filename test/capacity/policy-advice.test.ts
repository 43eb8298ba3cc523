/** The §4 recommendation in each situation the runbook and the two traps describe. */
import { describe, expect, it } from 'vitest';
import type { EvictionPatternStats, EvictionWalk } from '../../src/capacity/eviction-walk.js';
import { analysePolicy, counterpartPolicy, recommendedPolicy } from '../../src/capacity/policy-advice.js';

const NOW = new Date('2026-02-12T14:35:00Z');

function pattern(p: Partial<EvictionPatternStats> & { pattern: string }): EvictionPatternStats {
  return { source: 'census', keys: 0, keysWithTtl: 0, bytes: 0, bytesWithTtl: 0, sampleNames: [], ...p };
}

function walk(patterns: EvictionPatternStats[]): EvictionWalk {
  const sum = (f: (p: EvictionPatternStats) => number) => patterns.reduce((s, p) => s + f(p), 0);
  return {
    totals: {
      keys: sum((p) => p.keys),
      keysWithTtl: sum((p) => p.keysWithTtl),
      bytes: sum((p) => p.bytes),
      bytesWithTtl: sum((p) => p.bytesWithTtl),
    },
    patterns,
    other: { keys: 0, keysWithTtl: 0, bytes: 0, bytesWithTtl: 0 },
    complete: true,
    bytesUnavailable: false,
  };
}

const noTtl = pattern({
  pattern: 'contact:userGroupLabel:set:*',
  source: 'rule',
  rule: 'user-group-label',
  risk: 'medium',
  keys: 10,
  bytes: 1000,
});
const withTtl = pattern({
  pattern: 'marketing:campaign:push:*',
  keys: 20,
  keysWithTtl: 20,
  bytes: 4000,
  bytesWithTtl: 4000,
});
const bull = pattern({ pattern: 'bull:*', source: 'queue', family: 'bullmq', keys: 3, bytes: 300 });

const advise = (policy: string, patterns: EvictionPatternStats[]) =>
  analysePolicy({ policy, walk: walk(patterns), hotness: new Map(), maxmemoryBytes: 10_000, now: NOW });

describe('analysePolicy', () => {
  it('volatile-lfu with keys lacking TTL: keep it, fix TTLs first, revisit in two weeks; the OOM trap in figures', () => {
    const a = advise('volatile-lfu', [noTtl, withTtl]);
    expect(a.recommendation).toEqual({
      kind: 'keep_fix_ttls_first',
      revisitInDays: 14,
      revisitOn: '2026-02-26',
      alternative: 'allkeys-lfu',
    });
    expect(a.volatileTrap).toEqual({
      keysWithoutTtl: 10,
      bytesWithoutTtl: 1000,
      evictableBytes: 4000,
      maxmemoryBytes: 10_000,
    });
    expect(a.allkeysTrap).toBeUndefined();
    expect(a.volatile).toEqual({ keys: 20, bytes: 4000 });
    expect(a.allkeys).toEqual({ keys: 30, bytes: 5000 });
  });

  it('every key with a TTL: the families evict the same keys', () => {
    expect(advise('volatile-lru', [withTtl]).recommendation).toEqual({ kind: 'keep_all_have_ttl' });
  });

  it('job-queue keys under volatile-*: never switch this Redis to allkeys-*', () => {
    const a = advise('volatile-lfu', [noTtl, withTtl, bull]);
    expect(a.recommendation).toEqual({ kind: 'keep_queues_present', alternative: 'allkeys-lfu' });
    expect(a.allkeysTrap).toMatchObject({ keys: 3, bytes: 300 });
    expect(a.patterns.find((p) => p.pattern === 'bull:*')?.risk).toBe('high');
  });

  it('allkeys-* with job-queue keys: move to volatile-*', () => {
    const a = advise('allkeys-lru', [withTtl, bull]);
    expect(a.recommendation).toEqual({ kind: 'switch_to_volatile', to: 'volatile-lru' });
    // The queue keys lack a TTL: after the switch they are the bytes volatile-* can never evict.
    expect(a.volatileTrap).toEqual({
      keysWithoutTtl: 3,
      bytesWithoutTtl: 300,
      evictableBytes: 4000,
      maxmemoryBytes: 10_000,
    });
  });

  it('allkeys-* with keys lacking TTL: the volatile-* trap is still named with its figures', () => {
    const a = advise('allkeys-lfu', [noTtl, withTtl]);
    expect(a.recommendation).toEqual({ kind: 'keep' });
    expect(a.volatileTrap).toEqual({
      keysWithoutTtl: 10,
      bytesWithoutTtl: 1000,
      evictableBytes: 4000,
      maxmemoryBytes: 10_000,
    });
  });

  it('allkeys-* where every key has a TTL: no volatile-* trap', () => {
    expect(advise('allkeys-lru', [withTtl]).volatileTrap).toBeUndefined();
  });

  it('noeviction evicts nothing: neither "keep it until the TTLs are fixed" nor "the families evict the same keys"', () => {
    // Redis documents noeviction as: no key is evicted, writes fail once maxmemory is reached.
    expect(advise('noeviction', [noTtl, withTtl]).recommendation).toEqual({
      kind: 'noeviction_consider_volatile',
      to: 'volatile-lru',
    });
    expect(advise('noeviction', [withTtl]).recommendation).toEqual({
      kind: 'noeviction_consider_volatile',
      to: 'volatile-lru',
    });
  });

  it('noeviction with job-queue keys: keep it (the queue needs it)', () => {
    expect(advise('noeviction', [noTtl, withTtl, bull]).recommendation).toEqual({
      kind: 'keep_noeviction_queues',
    });
  });

  it('names the counterpart of each policy', () => {
    expect(counterpartPolicy('volatile-lfu')).toBe('allkeys-lfu');
    expect(counterpartPolicy('volatile-ttl')).toBe('allkeys-lru');
    expect(counterpartPolicy('allkeys-random')).toBe('volatile-random');
    expect(counterpartPolicy('noeviction')).toBe('volatile-lru');
  });

  it('offers a change only where the advice recommends one', () => {
    // §4: never switch to allkeys-* with queues present, nor before the TTL fixes.
    expect(recommendedPolicy(advise('volatile-lfu', [noTtl, withTtl]))).toBeUndefined();
    expect(recommendedPolicy(advise('volatile-lfu', [noTtl, withTtl, bull]))).toBeUndefined();
    expect(recommendedPolicy(advise('volatile-lru', [withTtl]))).toBeUndefined();
    expect(recommendedPolicy(advise('noeviction', [noTtl, withTtl, bull]))).toBeUndefined();
    expect(recommendedPolicy(advise('allkeys-lru', [withTtl, bull]))).toBe('volatile-lru');
    expect(recommendedPolicy(advise('noeviction', [withTtl]))).toBe('volatile-lru');
  });
});
