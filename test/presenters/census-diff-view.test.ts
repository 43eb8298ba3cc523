/**
 * "What grew" between two censuses, worded for people: signed deltas (+, −, ± for none), new and
 * gone patterns marked, the top N rows. `t` is a recording stand-in; figures are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import type { CensusDiff, PatternDiff } from '../../src/census/diff.js';
import { buildCensusDiffView } from '../../src/presenters/census-diff-view.js';
import { recordingT as t } from '../support/recording-t.js';

const MiB = 2 ** 20;

function row(p: Omit<PatternDiff, 'keysDelta' | 'keysWithoutTtlDelta' | 'bytesDelta'>): PatternDiff {
  return {
    ...p,
    keysDelta: p.keysAfter - p.keysBefore,
    keysWithoutTtlDelta: p.keysWithoutTtlAfter - p.keysWithoutTtlBefore,
    bytesDelta: p.bytesAfter - p.bytesBefore,
  };
}

const side = (at: string) => ({
  startedAt: at,
  finishedAt: at,
  sampled: false,
  bytesEstimated: false,
  overflowFolded: 0,
  truncated: false,
});

const diff: CensusDiff = {
  cluster: 'prod',
  before: side('2026-02-12T13:00:00.000Z'),
  after: side('2026-02-12T14:22:00.000Z'),
  intervalMs: 82 * 60_000,
  totals: {
    before: { keys: 1000, keysWithoutTtl: 100, bytes: 100 * MiB },
    after: { keys: 2300, keysWithoutTtl: 100, bytes: 90 * MiB },
    delta: { keys: 1300, keysWithoutTtl: 0, bytes: -10 * MiB },
  },
  patterns: [
    row({
      pattern: 'MARKETING:COUPON:UNREAD:*',
      change: 'new',
      keysBefore: 0,
      keysAfter: 1500,
      keysWithoutTtlBefore: 0,
      keysWithoutTtlAfter: 1500,
      bytesBefore: 0,
      bytesAfter: 3 * MiB,
    }),
    row({
      pattern: 'a<b>:*',
      change: 'unchanged',
      keysBefore: 10,
      keysAfter: 10,
      keysWithoutTtlBefore: 0,
      keysWithoutTtlAfter: 0,
      bytesBefore: 1024,
      bytesAfter: 1024,
    }),
    row({
      pattern: 'tmp:*',
      change: 'gone',
      keysBefore: 200,
      keysAfter: 0,
      keysWithoutTtlBefore: 0,
      keysWithoutTtlAfter: 0,
      bytesBefore: 13 * MiB,
      bytesAfter: 0,
    }),
  ],
  newPatterns: ['MARKETING:COUPON:UNREAD:*'],
  gonePatterns: ['tmp:*'],
  approximate: false,
};

describe('buildCensusDiffView', () => {
  it('title with both times, totals as signed deltas (− for a drop, ± for none)', () => {
    const view = buildCensusDiffView(diff, { t, lang: 'en' });
    expect(view.title).toBe(
      'census:diff.title{cluster=prod,from=2026-02-12 13:00 UTC,to=2026-02-12 14:22 UTC}',
    );
    expect(view.totals).toBe('census:diff.totals{bytes=−10 MiB,keys=+1,300,withoutTtl=±0}');
  });

  it('rows: after (delta), new and gone marked, the raw pattern escaped', () => {
    const view = buildCensusDiffView(diff, {
      t,
      lang: 'en',
      esc: (s) => s.replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    });
    expect(view.rows).toEqual([
      {
        pattern: 'common:paren{note=census:diff.new,value=MARKETING:COUPON:UNREAD:*}',
        keys: 'common:paren{note=+1,500,value=1,500}',
        keysWithoutTtl: 'common:paren{note=+1,500,value=1,500}',
        bytes: 'common:paren{note=+3 MiB,value=3 MiB}',
      },
      {
        pattern: 'a&lt;b&gt;:*',
        keys: 'common:paren{note=±0,value=10}',
        keysWithoutTtl: 'common:paren{note=±0,value=0}',
        bytes: 'common:paren{note=±0 B,value=1 KiB}',
      },
      {
        pattern: 'common:paren{note=census:diff.gone,value=tmp:*}',
        keys: 'common:paren{note=−200,value=0}',
        keysWithoutTtl: 'common:paren{note=±0,value=0}',
        bytes: 'common:paren{note=−13 MiB,value=0 B}',
      },
    ]);
  });

  it('only the top N rows', () => {
    expect(buildCensusDiffView(diff, { t, lang: 'en', top: 1 }).rows.map((r) => r.pattern)).toEqual([
      'common:paren{note=census:diff.new,value=MARKETING:COUPON:UNREAD:*}',
    ]);
  });
});
