/**
 * A census worded for people (what the Slack blocks and the terminal table render): rows, shares,
 * the "never expires" line, the TTL spread and the notes. `t` is a recording stand-in; every figure
 * below is worked out by hand from the census.
 */
import { describe, expect, it } from 'vitest';
import type { CensusResult, PatternStats } from '../../src/census/types.js';
import { buildCensusView } from '../../src/presenters/census-view.js';
import { recordingT as t } from '../support/recording-t.js';

const MiB = 2 ** 20;
const NO_BUCKETS = { none: 0, lt1h: 0, lt1d: 0, lt7d: 0, lt30d: 0, lt90d: 0, ge90d: 0 };

function pattern(
  p: Partial<PatternStats> & Pick<PatternStats, 'pattern' | 'keys' | 'keysWithoutTtl' | 'bytes'>,
): PatternStats {
  return { source: 'inferred', ttlBuckets: { ...NO_BUCKETS }, types: {}, largest: [], ...p };
}

const coupon = pattern({
  pattern: 'MARKETING:COUPON:UNREAD:*',
  keys: 147_111,
  keysWithoutTtl: 147_111,
  bytes: 512 * MiB,
  ttlBuckets: { ...NO_BUCKETS, none: 147_111 },
  types: { string: 147_111 },
});
const activity = pattern({
  pattern: 'contact:last:activity:*',
  keys: 1000,
  keysWithoutTtl: 0,
  bytes: 256 * MiB,
  ttlBuckets: { ...NO_BUCKETS, lt1d: 610, lt90d: 390 },
  types: { hash: 300, string: 700 },
});
const small = pattern({
  pattern: 'tmp:<x>:*',
  keys: 10,
  keysWithoutTtl: 10,
  bytes: 1024,
  ttlBuckets: { ...NO_BUCKETS, none: 10 },
  types: { set: 10 },
});

const census: CensusResult = {
  cluster: 'prod',
  startedAt: '2026-02-12T14:21:48.000Z',
  finishedAt: '2026-02-12T14:22:00.000Z',
  scannedKeys: 148_121,
  dbsize: 148_121,
  sampled: false,
  fraction: 1,
  totalKeys: 148_121,
  totalKeysWithoutTtl: 147_121,
  totalBytes: 1024 * MiB,
  bytesEstimated: false,
  patterns: [coupon, activity, small],
  overflowFolded: 0,
  durationMs: 12_345,
  keysPerSec: 12_000,
  vanished: 0,
  throttlePauses: 0,
};

describe('buildCensusView', () => {
  it('title, summary and totals', () => {
    const view = buildCensusView(census, { t, lang: 'en' });
    expect(view.title).toBe('census:title{at=2026-02-12 14:22 UTC,cluster=prod}');
    expect(view.summary).toBe('census:summary{patterns=3,rate=12,000,scanned=148,121,seconds=12.3}');
    // 147,121 / 148,121 = 99.32 %.
    expect(view.totals).toBe('census:totals{bytes=1 GiB,keys=148,121,pct=99.3%,withoutTtl=147,121}');
  });

  it('rows: counts, shares of memory and of keys without TTL, the two biggest TTL buckets, types by count', () => {
    const view = buildCensusView(census, { t, lang: 'en', top: 2, esc: (s) => `[${s}]` });
    expect(view.rows).toEqual([
      {
        pattern: '[MARKETING:COUPON:UNREAD:*]',
        keys: '147,111',
        keysWithoutTtl: '147,111',
        neverExpires: true,
        bytes: '512 MiB',
        memoryShare: '50.0%',
        // 147,111 of the 147,121 keys without TTL.
        noTtlShare: '100.0%',
        ttlSpread: '[census:bucket.none 100%]',
        types: 'string',
      },
      {
        pattern: '[contact:last:activity:*]',
        keys: '1,000',
        keysWithoutTtl: '0',
        neverExpires: false,
        bytes: '256 MiB',
        memoryShare: '25.0%',
        noTtlShare: '0.0%',
        ttlSpread: '[census:bucket.lt1d 61% · census:bucket.lt90d 39%]',
        types: 'string, hash',
      },
    ]);
  });

  it('"never expires" counts every pattern, not only the rows shown; a third pattern past `top` is noted', () => {
    const view = buildCensusView(census, { t, lang: 'en', top: 2 });
    // coupon and tmp: 512 MiB + 1 KiB = 512.001 MiB, 50.0001 % of 1 GiB.
    expect(view.neverExpiresLine).toBe('census:never_expires{bytes=512 MiB,count=2,pct=50.0%}');
    expect(view.notes).toEqual(['census:note.more_patterns{shown=2,total=3}']);
    expect(buildCensusView(census, { t, lang: 'en' }).notes).toEqual([]);
  });

  it('a sampled census marks its figures approximate and says how it was sampled', () => {
    const view = buildCensusView(
      {
        ...census,
        sampled: true,
        fraction: 0.1,
        errorBound: 0.03,
        scannedKeys: 14_812,
        bytesEstimated: true,
        vanished: 5,
        overflowFolded: 1200,
        match: 'MARKETING:*',
        dbs: [0, 3],
      },
      { t, lang: 'en' },
    );
    expect(view.rows[0]).toMatchObject({ keys: '≈147,111', keysWithoutTtl: '≈147,111', bytes: '≈512 MiB' });
    expect(view.totals).toBe('census:totals{bytes=1 GiB,keys=≈148,121,pct=99.3%,withoutTtl=≈147,121}');
    expect(view.notes).toEqual([
      'census:note.sampled{bound=3.0%,pct=10.0%,scanned=14,812,share=1%}',
      'census:note.overflow{count=1,200}',
      'census:note.vanished{count=5}',
      'census:note.match{match=MARKETING:*}',
      'census:note.dbs{dbs=0, 3}',
    ]);
  });

  it('a sampled census names the patterns seen too rarely for an estimate, and how often each was seen', () => {
    const rare = (name: string, seen: number): PatternStats =>
      pattern({
        pattern: name,
        keys: seen * 10,
        keysWithoutTtl: 0,
        bytes: 100,
        errorBound: { keys: 1.2, keysWithoutTtl: null, bytes: 1.5, seen, reliable: false },
      });
    const many = Array.from({ length: 7 }, (_, i) => rare(`rare:${i}:*`, i + 1));
    const view = buildCensusView(
      { ...census, sampled: true, fraction: 0.1, errorBound: 0.03, patterns: [coupon, ...many] },
      { t, lang: 'en' },
    );
    const note = view.notes.find((n) => n.startsWith('census:note.unreliable'));
    expect(note).toBe(
      `census:note.unreliable{min=30,patterns=${[1, 2, 3, 4, 5]
        .map((n) => `census:note.seen{count=${n},pattern=rare:${n - 1}:*}`)
        .join('census:note.separator')}census:note.separatorcensus:note.seen_more{count=2}}`,
    );
    const full = buildCensusView({ ...census, patterns: [coupon] }, { t, lang: 'en' });
    expect(full.notes.some((n) => n.startsWith('census:note.unreliable'))).toBe(false);
  });
});
