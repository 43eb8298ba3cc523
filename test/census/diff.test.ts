import { describe, expect, it } from 'vitest';
import { CensusDiffError, diffCensus, isCensusDiffError } from '../../src/census/diff.js';
import { PatternTable, type PatternTableResult } from '../../src/census/pattern-table.js';
import { extrapolate } from '../../src/census/sampling.js';
import type { CensusResult, PatternStats, ScannedKey } from '../../src/census/types.js';
import { type DatasetRecord, generateDataset } from '../../src/demo/dataset.js';

const BURST = 'marketing:campaign:push:*:*';

function census(figures: PatternTableResult, over: Partial<CensusResult> = {}): CensusResult {
  return {
    cluster: 'luckyus-isales-market',
    startedAt: '2026-02-12T13:00:00.000Z',
    finishedAt: '2026-02-12T13:01:00.000Z',
    scannedKeys: figures.totalKeys,
    dbsize: figures.totalKeys,
    sampled: false,
    fraction: 1,
    totalKeys: figures.totalKeys,
    totalKeysWithoutTtl: figures.totalKeysWithoutTtl,
    totalBytes: figures.totalBytes,
    bytesEstimated: false,
    patterns: figures.patterns,
    overflowFolded: figures.overflowFolded,
    durationMs: 60_000,
    keysPerSec: 1_000,
    vanished: 0,
    throttlePauses: 0,
    ...over,
  };
}

function scanned(rec: DatasetRecord, bytes = 200): ScannedKey {
  return { name: Buffer.from(rec.key), type: rec.type, pttlMs: rec.ttlMs ?? -1, bytes };
}

const k = (name: string, bytes: number, pttlMs = -1): ScannedKey => ({
  name: Buffer.from(name),
  type: 'string',
  pttlMs,
  bytes,
});

function tableOf(keys: ScannedKey[]): PatternTableResult {
  const table = new PatternTable();
  for (const key of keys) table.add(key);
  return table.result();
}

/** Before the burst: the dataset without the campaign's push keys. After: all of it, plus growth elsewhere. */
function burstPair(): { before: CensusResult; after: CensusResult } {
  const records = [...generateDataset({ keys: 20_000 })];
  const before = tableOf(
    records.filter((r) => !r.key.startsWith('marketing:campaign:push:')).map((r) => scanned(r)),
  );
  const extra = Array.from({ length: 300 }, (_, i) => k(`MARKETING:COUPON:UNREAD:${2_000_000_000 + i}`, 150));
  const after = tableOf([...records.map((r) => scanned(r)), ...extra]);
  return {
    before: census(before),
    after: census(after, { startedAt: '2026-02-12T14:35:00.000Z', finishedAt: '2026-02-12T14:36:00.000Z' }),
  };
}

describe('diffCensus', () => {
  it('ranks what grew during the burst first, by bytes then keys', () => {
    const { before, after } = burstPair();
    const diff = diffCensus(before, after);
    expect(diff.patterns[0]).toMatchObject({
      pattern: BURST,
      change: 'new',
      keysBefore: 0,
      keysWithoutTtlDelta: 0,
      bytesBefore: 0,
    });
    expect(diff.patterns[0]?.keysAfter).toBe(diff.patterns[0]?.keysDelta);
    expect(diff.patterns[1]).toMatchObject({
      pattern: 'MARKETING:COUPON:UNREAD:*',
      change: 'grew',
      keysDelta: 300,
      keysWithoutTtlDelta: 300,
      bytesDelta: 300 * 150,
    });
    expect(diff.newPatterns).toEqual([BURST]);
    expect(diff.gonePatterns).toEqual([]);
    expect(diff.patterns.slice(2).every((p) => p.change === 'unchanged' && p.bytesDelta === 0)).toBe(true);
    expect(diff.totals.delta).toEqual({
      keys: after.totalKeys - before.totalKeys,
      keysWithoutTtl: 300,
      bytes: after.totalBytes - before.totalBytes,
    });
    expect(diff.intervalMs).toBe(95 * 60_000);
    expect(diff.approximate).toBe(false);
    expect(diff.before.truncated).toBe(false);
  });

  it('reports gone patterns and shrinking ones last', () => {
    const before = census(tableOf([k('a:1', 100), k('a:2', 100), k('b:1', 500), k('c:1', 10)]));
    const after = census(tableOf([k('a:1', 100), k('c:1', 10), k('c:2', 10), k('d:1', 10)]));
    const diff = diffCensus(before, after);
    expect(diff.patterns.map((p) => [p.pattern, p.change, p.keysDelta, p.bytesDelta])).toEqual([
      ['c:*', 'grew', 1, 10],
      ['d:*', 'new', 1, 10],
      ['a:*', 'shrank', -1, -100],
      ['b:*', 'gone', -1, -500],
    ]);
    expect(diff.gonePatterns).toEqual(['b:*']);
    expect(diff.newPatterns).toEqual(['d:*']);
  });

  it('breaks ties in bytes by keys, then keys without TTL, then name', () => {
    const before = census(tableOf([k('x:1', 10), k('y:1', 10), k('z:1', 10, 1000)]));
    const after = census(
      tableOf([k('x:1', 10), k('x:2', 0), k('y:1', 5), k('y:2', 5), k('z:1', 10, 1000), k('z:2', 0, 1000)]),
    );
    const diff = diffCensus(before, after);
    // all three: +0 bytes, +1 key; z's new key has a TTL, x and y tie and go by name
    expect(diff.patterns.map((p) => p.pattern)).toEqual(['x:*', 'y:*', 'z:*']);
  });

  it('refuses censuses of different clusters or MATCH filters, with a typed error', () => {
    const { before, after } = burstPair();
    const other = { ...after, cluster: 'another-cluster' };
    expect(() => diffCensus(before, other)).toThrow(CensusDiffError);
    try {
      diffCensus(before, other);
    } catch (err) {
      expect(isCensusDiffError(err)).toBe(true);
      expect(err).toMatchObject({
        code: 'census_diff_cluster_mismatch',
        values: { before: 'luckyus-isales-market', after: 'another-cluster' },
      });
    }
    expect(() => diffCensus(before, { ...after, match: 'contact:*' })).toThrow(
      expect.objectContaining({ code: 'census_diff_match_mismatch' }),
    );
    // no MATCH and `*` are the same filter
    expect(diffCensus({ ...before, match: '*' }, after).match).toBeUndefined();
    expect(diffCensus({ ...before, match: 'contact:*' }, { ...after, match: 'contact:*' }).match).toBe(
      'contact:*',
    );
  });

  it('marks patterns missing from a truncated snapshot as below its cutoff, not gone', () => {
    const full = tableOf([k('big:1', 1000), k('small:1', 1)]);
    const truncated: PatternTableResult = { ...full, patterns: full.patterns.slice(0, 1) };
    const diff = diffCensus(census(full), census(truncated));
    const small = diff.patterns.find((p) => p.pattern === 'small:*');
    expect(diff.after.truncated).toBe(true);
    expect(small).toMatchObject({ change: 'gone', belowCutoff: true });
  });

  it('flags deltas within the error bounds of a sampled census as possible noise', () => {
    const keys = (n: number, bytes: number) => Array.from({ length: n }, (_, i) => k(`s:${i}`, bytes));
    const sample = (n: number): CensusResult => {
      const exact = tableOf([
        ...keys(n, 100),
        ...Array.from({ length: 1000 - n }, (_, i) => k(`o:${i}`, 100)),
      ]);
      const est = extrapolate(exact, 0.1, 1000);
      return census(
        { ...est, overflowFolded: 0, keysWithoutBytes: 0 },
        { sampled: true, fraction: 0.1, errorBound: est.errorBound ?? 0, bytesEstimated: true },
      );
    };
    const diff = diffCensus(sample(500), sample(510));
    const s = diff.patterns.find((p) => p.pattern === 's:*');
    expect(s?.keysDelta).toBe(100);
    expect(s?.withinError).toBe(true);
    expect(diff.approximate).toBe(true);
    const big = diffCensus(sample(300), sample(700)).patterns.find((p) => p.pattern === 's:*');
    expect(big?.withinError).toBeUndefined();
  });

  it('keeps the before/after sides and totals of each census', () => {
    const { before, after } = burstPair();
    const folded: PatternStats[] = after.patterns.map((p) => p);
    const diff = diffCensus(before, { ...after, patterns: folded, overflowFolded: 3 });
    expect(diff.after.overflowFolded).toBe(3);
    expect(diff.totals.before.keys).toBe(before.totalKeys);
    expect(diff.totals.after.bytes).toBe(after.totalBytes);
    expect(diff.cluster).toBe('luckyus-isales-market');
  });
});
