import { describe, expect, it } from 'vitest';
import { PatternTable, ttlBucketOf } from '../../src/census/pattern-table.js';
import {
  apportion,
  bytesRelativeBound,
  countRelativeBound,
  extrapolate,
  proportionHalfWidth,
} from '../../src/census/sampling.js';
import { type KeyType, type ScannedKey, TTL_BUCKETS } from '../../src/census/types.js';
import { type DatasetRecord, describeDataset, generateDataset } from '../../src/demo/dataset.js';
import { compileGlob } from '../../src/keyspace/glob.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** See patterns.test.ts: the generator globs whose `*` spans two variable segments. */
const INFERRED: Record<string, string> = {
  'marketing:campaign:push:*': 'marketing:campaign:push:*:*',
  'store:menu:cache:*': 'store:menu:cache:*:*',
  'order:snapshot:*': 'order:snapshot:*:*',
  'marketing:coupon:claimed:*': 'marketing:coupon:claimed:*:*',
};

function valueBytes(rec: DatasetRecord): number {
  if (rec.type === 'string') return rec.value.length;
  if (rec.type === 'set') return rec.members.reduce((n, m) => n + m.length, 0);
  return Object.entries(rec.fields).reduce((n, [f, v]) => n + f.length + v.length, 0);
}

function scanned(rec: DatasetRecord): ScannedKey {
  return {
    name: Buffer.from(rec.key),
    type: rec.type,
    pttlMs: rec.ttlMs ?? -1,
    bytes: 48 + rec.key.length + valueBytes(rec),
  };
}

const key = (name: string | Buffer, over: Partial<ScannedKey> = {}): ScannedKey => ({
  name: typeof name === 'string' ? Buffer.from(name) : name,
  type: 'string',
  pttlMs: -1,
  bytes: 100,
  ...over,
});

/** Letters-only, vowel-rich, unique per i: a "word-like" prefix inference keeps literal. */
function word(i: number): string {
  const cons = 'bcdfghjklmnprstvz';
  const vows = 'aeiou';
  let s = 'ten';
  let n = i;
  do {
    s += cons[n % cons.length];
    n = Math.floor(n / cons.length);
    s += vows[n % vows.length];
    n = Math.floor(n / vows.length);
  } while (n > 0);
  return s;
}

describe('PatternTable on the demo dataset', () => {
  const keys = 40_000;
  const spec = describeDataset({ keys });

  it('counts keys, keys without TTL, types and bytes per pattern exactly as the generator wrote them', () => {
    const table = new PatternTable();
    let bytes = 0;
    const bytesBy = new Map<string, number>();
    for (const rec of generateDataset({ keys })) {
      const k = scanned(rec);
      table.add(k);
      bytes += k.bytes as number;
      const p = INFERRED[rec.pattern] ?? rec.pattern;
      bytesBy.set(p, (bytesBy.get(p) ?? 0) + (k.bytes as number));
    }
    const r = table.result();
    expect(r.totalKeys).toBe(spec.totalKeys);
    expect(r.totalKeysWithoutTtl).toBe(spec.keysWithoutTtl);
    expect(r.totalBytes).toBe(bytes);
    expect(r.overflowFolded).toBe(0);
    expect(r.keysWithoutBytes).toBe(0);
    expect(r.patterns).toHaveLength(Object.keys(spec.patterns).length);
    for (const truth of Object.values(spec.patterns)) {
      const p = r.patterns.find((x) => x.pattern === (INFERRED[truth.pattern] ?? truth.pattern));
      expect(p, truth.pattern).toBeDefined();
      expect(p?.source).toBe('inferred');
      expect(p?.keys).toBe(truth.keys);
      expect(p?.keysWithoutTtl).toBe(truth.keysWithoutTtl);
      expect(p?.ttlBuckets.none).toBe(truth.keysWithoutTtl);
      expect(p?.types).toEqual({ [truth.type]: truth.keys });
      expect(p?.bytes).toBe(bytesBy.get(p?.pattern ?? ''));
      expect(TTL_BUCKETS.reduce((n, b) => n + (p?.ttlBuckets[b] ?? 0), 0)).toBe(truth.keys);
    }
    // biggest memory first
    for (let i = 1; i < r.patterns.length; i++) {
      expect(r.patterns[i - 1]?.bytes).toBeGreaterThanOrEqual(r.patterns[i]?.bytes ?? 0);
    }
    // the burst's TTLs (11–29 min) all land in < 1 h; last activity (300–364 d) in ≥ 90 d
    const burst = r.patterns.find((p) => p.pattern === 'marketing:campaign:push:*:*');
    expect(burst?.ttlBuckets.lt1h).toBe(burst?.keys);
    const activity = r.patterns.find((p) => p.pattern === 'contact:last:activity:*');
    expect(activity?.ttlBuckets.ge90d).toBe(activity?.keys);
  });

  it('lets configured rule globs win over inference, first match wins', () => {
    const rules = Object.keys(spec.patterns).map((pattern) => ({ pattern }));
    // an earlier, narrower rule takes its keys first
    const table = new PatternTable({ rules: [{ pattern: 'session:0*' }, ...rules] });
    for (const rec of generateDataset({ keys })) table.add(scanned(rec));
    const r = table.result();
    const session0 = r.patterns.find((p) => p.pattern === 'session:0*');
    const session = r.patterns.find((p) => p.pattern === 'session:*');
    expect(session0?.source).toBe('rule');
    expect((session0?.keys ?? 0) + (session?.keys ?? 0)).toBe(spec.patterns['session:*']?.keys);
    expect(session0?.keys).toBeGreaterThan(0);
    for (const truth of Object.values(spec.patterns)) {
      if (truth.pattern === 'session:*') continue;
      const p = r.patterns.find((x) => x.pattern === truth.pattern);
      expect(p?.source).toBe('rule');
      expect(p?.keys).toBe(truth.keys);
      expect(p?.keysWithoutTtl).toBe(truth.keysWithoutTtl);
    }
    expect(r.patterns.every((p) => p.source === 'rule')).toBe(true);
  });

  it('uses rules only where they match, inference elsewhere', () => {
    const table = new PatternTable({ rules: [{ pattern: 'cache:[ab]:*' }] });
    table.add(key('cache:a:1'));
    table.add(key('cache:b:2'));
    table.add(key('cache:c:3'));
    const r = table.result();
    expect(r.patterns.map((p) => [p.pattern, p.source, p.keys])).toEqual([
      ['cache:[ab]:*', 'rule', 2],
      ['cache:c:*', 'inferred', 1],
    ]);
  });
});

describe('TTL buckets', () => {
  it.each([
    [-1, 'none'],
    [-2, 'none'],
    [0, 'lt1h'],
    [HOUR - 1, 'lt1h'],
    [HOUR, 'lt1d'],
    [DAY - 1, 'lt1d'],
    [DAY, 'lt7d'],
    [7 * DAY - 1, 'lt7d'],
    [7 * DAY, 'lt30d'],
    [30 * DAY - 1, 'lt30d'],
    [30 * DAY, 'lt90d'],
    [90 * DAY - 1, 'lt90d'],
    [90 * DAY, 'ge90d'],
    [365 * DAY, 'ge90d'],
  ])('PTTL %d ms → %s', (pttl, bucket) => {
    expect(ttlBucketOf(pttl)).toBe(bucket);
    const table = new PatternTable();
    table.add(key('k:1', { pttlMs: pttl }));
    const p = table.result().patterns[0];
    expect(p?.ttlBuckets[bucket as (typeof TTL_BUCKETS)[number]]).toBe(1);
    expect(p?.keysWithoutTtl).toBe(bucket === 'none' ? 1 : 0);
  });
});

describe('types and bytes', () => {
  it('counts every type, unknown ones as other', () => {
    const table = new PatternTable();
    const types: KeyType[] = ['string', 'hash', 'set', 'zset', 'list', 'stream', 'other', 'hash'];
    types.forEach((type, i) => {
      table.add(key(`t:${i}`, { type }));
    });
    table.add({ ...key('t:99'), type: 'ReJSON-RL' as KeyType });
    expect(table.result().patterns[0]?.types).toEqual({
      string: 1,
      hash: 2,
      set: 1,
      zset: 1,
      list: 1,
      stream: 1,
      other: 2,
    });
  });

  it('counts keys without MEMORY USAGE with 0 bytes, and reports how many', () => {
    const table = new PatternTable();
    table.add(key('a:1', { bytes: null }));
    table.add(key('a:2', { bytes: 10 }));
    const r = table.result();
    expect(r.keysWithoutBytes).toBe(1);
    expect(r.totalBytes).toBe(10);
    expect(r.patterns[0]?.keys).toBe(2);
    expect(r.patterns[0]?.largest.map((l) => l.bytes)).toEqual([10]);
  });
});

describe('largest keys', () => {
  it('keeps the N biggest per pattern, biggest first, names escaped', () => {
    const table = new PatternTable({ largestPerPattern: 3 });
    const sizes = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 200) + 1); // 1..200 shuffled
    sizes.forEach((bytes, i) => {
      table.add(key(`big:${i}`, { bytes, type: 'hash', pttlMs: i }));
    });
    table.add(key(Buffer.from([0x62, 0x69, 0x67, 0x3a, 0xff]), { bytes: 1_000 }));
    const p = table.result().patterns[0];
    expect(p?.pattern).toBe('big:*');
    expect(p?.largest.map((l) => l.bytes)).toEqual([1_000, 200, 199]);
    expect(p?.largest[0]).toEqual({ key: 'big:\\xff', bytes: 1_000, type: 'string', pttlMs: -1 });
    const i200 = sizes.indexOf(200);
    expect(p?.largest[1]).toEqual({ key: `big:${i200}`, bytes: 200, type: 'hash', pttlMs: i200 });
  });

  it('keeps none with largestPerPattern 0', () => {
    const table = new PatternTable({ largestPerPattern: 0 });
    table.add(key('a:1'));
    expect(table.result().patterns[0]?.largest).toEqual([]);
  });
});

describe('bounded patterns and overflow', () => {
  it('stays bounded through a 10 000-distinct-prefix explosion, reports it, keeps totals exact', () => {
    const maxPatterns = 10_000;
    const table = new PatternTable({ maxPatterns });
    let total = 0;
    let noTtl = 0;
    let bytes = 0;
    const add = (k: ScannedKey) => {
      table.add(k);
      total++;
      if (k.pttlMs < 0) noTtl++;
      bytes += k.bytes ?? 0;
    };
    // the real patterns come first, as on a server where the explosion is recent
    for (const rec of generateDataset({ keys: 13_000 })) add(scanned(rec));
    const distinct = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const prefix = word(i);
      distinct.add(prefix);
      // The prefix twice: two positions vary together, so no one position marks a family (a
      // single varying one, `<tenant>:settings:*`, would be one pattern, not an explosion).
      for (let j = 0; j < 3; j++)
        add(key(`${prefix}:${prefix}:settings:${j}`, { pttlMs: j === 0 ? -1 : DAY, bytes: 50 + j }));
    }
    expect(distinct.size).toBe(10_000);
    expect(table.size).toBeLessThanOrEqual(maxPatterns);
    const r = table.result();
    expect(r.patterns.length).toBe(table.size);
    expect(r.totalKeys).toBe(total);
    expect(r.totalKeysWithoutTtl).toBe(noTtl);
    expect(r.totalBytes).toBe(bytes);
    expect(r.patterns.reduce((n, p) => n + p.keys, 0)).toBe(total);
    expect(r.patterns.reduce((n, p) => n + p.keysWithoutTtl, 0)).toBe(noTtl);
    // every exploded prefix has an inferred pattern of its own or was folded, and folds are counted
    const own = r.patterns.filter((p) => p.source === 'inferred' && p.pattern.endsWith(':settings:*')).length;
    expect(r.overflowFolded).toBe(10_000 - own);
    expect(r.overflowFolded).toBeGreaterThan(0);
    const overflow = r.patterns.filter((p) => p.source === 'overflow');
    expect(overflow.length).toBeGreaterThan(0);
    expect(overflow.reduce((n, p) => n + (p.folded ?? 0), 0)).toBe(3 * r.overflowFolded);
    // the dataset's patterns are untouched
    expect(r.patterns.find((p) => p.pattern === 'contact:profile:*')?.source).toBe('inferred');
    // every overflow glob matches what was folded into it
    for (const p of overflow) expect(p.pattern === '*' || /^ten[a-z]+:\*$/.test(p.pattern)).toBe(true);
  });

  it('folds into the deepest existing ancestor, else a first-segment overflow entry, else `*`', () => {
    // 12 entries: 1 for `*`, 1 overflow reserve, 10 inferred
    const table = new PatternTable({ maxPatterns: 12 });
    table.add(key('app:cache:123')); // app:cache:*
    for (let i = 0; i < 9; i++) table.add(key(`fill${'abcdefghi'[i]}:x`)); // 9 more inferred: full
    table.add(key('app:cache:homepage:hero')); // → app:cache:* (existing ancestor)
    table.add(key('app:cache:about:team'));
    table.add(key('web:page:contact')); // no ancestor → overflow `web:*`
    table.add(key('web:page:faq')); // → `web:*` (now existing)
    table.add(key('cdn:asset:logo')); // reserve used → `*`
    table.add(key('solo')); // no delimiter → `*`
    const r = table.result();
    const by = new Map(r.patterns.map((p) => [p.pattern, p]));
    expect(by.get('app:cache:*')).toMatchObject({ source: 'inferred', keys: 3, folded: 2 });
    expect(by.get('web:*')).toMatchObject({ source: 'overflow', keys: 2, folded: 2 });
    expect(by.get('*')).toMatchObject({ source: 'overflow', keys: 2, folded: 2 });
    expect(r.overflowFolded).toBe(6);
    expect(table.size).toBe(12);
    expect(r.totalKeys).toBe(16);
    // a pattern that repeats is folded once
    table.add(key('web:page:faq'));
    expect(table.result().overflowFolded).toBe(6);
    for (const name of ['app:cache:homepage:hero', 'web:page:contact', 'cdn:asset:logo', 'solo']) {
      const holder = table
        .result()
        .patterns.filter((p) => p.source !== 'rule')
        .find((p) => compileGlob(p.pattern)(Buffer.from(name)) && (p.folded ?? 0) > 0);
      expect(holder, name).toBeDefined();
    }
  });

  it('estimates distinct folded patterns past the exact limit (HyperLogLog, ±3 %)', () => {
    const table = new PatternTable({ maxPatterns: 50 });
    const n = 120_000;
    // two positions vary together: an explosion, not a family (see above)
    for (let i = 0; i < n; i++) table.add(key(`${word(i)}:${word(i)}:x`));
    const folded = table.result().overflowFolded;
    expect(table.size).toBeLessThanOrEqual(50);
    expect(Math.abs(folded - (n - 45)) / n).toBeLessThan(0.03); // 45 inferred entries
  });

  it('validates its options', () => {
    expect(() => new PatternTable({ maxPatterns: 1 })).toThrow(/maxPatterns/);
    expect(() => new PatternTable({ maxPatterns: 3, rules: [{ pattern: 'a*' }, { pattern: 'b*' }] })).toThrow(
      /maxPatterns/,
    );
    expect(() => new PatternTable({ largestPerPattern: -1 })).toThrow(/largestPerPattern/);
    expect(() => new PatternTable({ delimiters: '*' })).toThrow(/delimiter/);
  });
});

describe('sampling math', () => {
  it('gives 1.96·sqrt(p(1−p)/n) for a proportion, shrunk by sqrt(1 − f)', () => {
    expect(proportionHalfWidth(0.5, 10_000)).toBeCloseTo(0.0098, 10);
    expect(proportionHalfWidth(0.1, 2_500)).toBeCloseTo(1.96 * Math.sqrt(0.09 / 2_500), 12);
    expect(proportionHalfWidth(0.5, 10_000, 0.1)).toBeCloseTo(0.0098 * Math.sqrt(0.9), 12);
    expect(proportionHalfWidth(0.5, 10_000, 1)).toBe(0);
    // relative to the count: X = 2 500 of n = 10 000 → 1.96·sqrt(0.75 / 2 500) ≈ 3.39 %
    expect(countRelativeBound(2_500, 10_000, 0)).toBeCloseTo(1.96 * Math.sqrt(0.75 / 2_500), 12);
    expect(countRelativeBound(0, 10_000, 0.5)).toBeNull();
  });

  it('bounds bytes like counts when every key has the same size, wider when a few keys dominate', () => {
    const n = 10_000;
    const x = 2_500;
    expect(bytesRelativeBound(x * 100, x * 100 * 100, n, 0)).toBeCloseTo(
      countRelativeBound(x, n, 0) as number,
      12,
    );
    // one key of 1 MB among 2 499 of 100 B
    const sum = 2_499 * 100 + 1_000_000;
    const squares = 2_499 * 100 * 100 + 1_000_000 ** 2;
    expect(bytesRelativeBound(sum, squares, n, 0)).toBeGreaterThan(1);
    expect(bytesRelativeBound(0, 0, n, 0)).toBeNull();
  });

  it('rounds parts to add up to their total', () => {
    expect(apportion([3.4, 3.3, 3.3], 10)).toEqual([4, 3, 3]);
    expect(apportion([0.5, 0.5, 0], 1)).toEqual([1, 0, 0]);
    expect(apportion([1.2, 2.9], 7)).toEqual([1, 3]); // inconsistent target: plain rounding
  });

  it('returns a full census as it is, with no bound', () => {
    const table = new PatternTable();
    table.add(key('a:1'));
    const exact = table.result();
    const same = extrapolate(exact, 1, 1);
    expect(same.errorBound).toBeUndefined();
    expect(same.patterns).toEqual(exact.patterns);
    expect(same.totalKeys).toBe(1);
  });

  it('rejects a fraction outside (0, 1] and a bad scanned count', () => {
    const r = new PatternTable().result();
    expect(() => extrapolate(r, 0, 1)).toThrow(RangeError);
    expect(() => extrapolate(r, 1.5, 1)).toThrow(RangeError);
    expect(() => extrapolate(r, 0.5, -1)).toThrow(RangeError);
  });

  it('scales a 10 % sample of the dataset to figures whose 95 % intervals hold the truth', () => {
    const keys = 60_000;
    const spec = describeDataset({ keys });
    const table = new PatternTable();
    let state = 7;
    let n = 0;
    for (const rec of generateDataset({ keys })) {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      if (state % 10 !== 0) continue;
      table.add(scanned(rec));
      n++;
    }
    const fraction = n / keys;
    const est = extrapolate(table.result(), fraction, n);
    expect(est.totalKeys).toBe(keys);
    expect(est.patterns.reduce((s, p) => s + p.keys, 0)).toBe(est.totalKeys);
    expect(est.patterns.reduce((s, p) => s + p.keysWithoutTtl, 0)).toBe(est.totalKeysWithoutTtl);
    expect(est.patterns.reduce((s, p) => s + p.bytes, 0)).toBe(est.totalBytes);
    let inside = 0;
    let bounded = 0;
    for (const p of est.patterns) {
      expect(TTL_BUCKETS.reduce((s, b) => s + p.ttlBuckets[b], 0)).toBe(p.keys);
      expect(Object.values(p.types).reduce((s, c) => s + (c ?? 0), 0)).toBe(p.keys);
      expect(p.bytesSquares).toBeUndefined();
      const truth = Object.values(spec.patterns).find(
        (t) => (INFERRED[t.pattern] ?? t.pattern) === p.pattern,
      );
      const rel = p.errorBound?.keys;
      if (!truth || rel == null) continue;
      bounded++;
      if (Math.abs(p.keys - truth.keys) <= rel * p.keys + 1) inside++;
    }
    expect(bounded).toBeGreaterThanOrEqual(12);
    expect(inside / bounded).toBeGreaterThanOrEqual(0.8);
    // the headline is the worst key-count bound of the patterns holding at least 1 % of the keys and
    // the worst bytes bound of the reliable ones holding at least 1 % of the memory
    const byKeys = est.patterns.filter((p) => p.keys >= 0.01 * est.totalKeys);
    const byBytes = est.patterns.filter(
      (p) => p.errorBound?.reliable === true && p.bytes >= 0.01 * est.totalBytes,
    );
    expect(byKeys.length).toBeGreaterThanOrEqual(5);
    const worst = Math.max(
      ...byKeys.map((p) => p.errorBound?.keys ?? 0),
      ...byBytes.map((p) => p.errorBound?.bytes ?? 0),
    );
    expect(est.errorBound).toBe(worst);
    expect(est.errorBound).toBeGreaterThan(0);
    expect(est.errorBound).toBeLessThan(0.5);
  });
});
