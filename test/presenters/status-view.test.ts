/**
 * A status report worded for people (the view the Slack blocks and the terminal table both render):
 * which sentence each part uses and the figures it hands over, formatted for the reader. `t` is a
 * recording stand-in, so these check the view, not the wording in locales/; figures are worked out
 * by hand from the report.
 */
import { describe, expect, it } from 'vitest';
import { buildStatusView, localizeValues, noteText } from '../../src/presenters/status-view.js';
import type { RedisSnapshot } from '../../src/redis/snapshot.js';
import type { StatusReport } from '../../src/status/types.js';
import { recordingT as t } from '../support/recording-t.js';

const MiB = 2 ** 20;

const redis: RedisSnapshot = {
  takenAt: new Date('2026-02-12T14:16:00Z'),
  mode: 'standalone',
  nodes: [
    {
      address: '127.0.0.1:6379',
      role: 'master',
      clusterEnabled: false,
      version: '7.0.15',
      usedMemoryBytes: 846 * MiB,
      usedMemoryPeakBytes: 900 * MiB,
      usedMemoryRssBytes: 850 * MiB,
      maxmemoryBytes: 1000 * MiB,
      totalSystemMemoryBytes: 1024 * MiB,
      memoryPct: 84.6,
      fragmentationRatio: 1.234,
      maxmemoryPolicy: 'volatile-lru',
      evictedKeys: 0,
      expiredKeys: 1234,
      opsPerSec: 5678,
      connectedClients: 42,
      uptimeSeconds: 1000,
      keys: 2_623_709,
      keysWithTtl: 2_294_665,
      dbs: [],
    },
  ],
  usedMemoryBytes: 846 * MiB,
  usedMemoryPeakBytes: 900 * MiB,
  maxmemoryBytes: 1000 * MiB,
  memoryPct: 84.6,
  fragmentationRatio: 1.234,
  maxmemoryPolicy: 'volatile-lru',
  policyMismatch: false,
  evictedKeys: 0,
  expiredKeys: 1234,
  opsPerSec: 5678,
  connectedClients: 42,
  keys: 2_623_709,
  keysWithTtl: 2_294_665,
  keysWithoutTtl: 329_044,
  version: '7.0.15',
};

const report: StatusReport = {
  cluster: 'prod',
  takenAt: new Date('2026-02-12T14:16:00Z'),
  redis,
  thresholds: { warning: 75, critical: 85, emergency: 95 },
  level: 'warning',
  verdict: {
    kind: 'rising',
    reason: {
      key: 'verdict.rising',
      values: { since: '2026-02-12T14:04:00.000Z', count: 329_044, pct: 12.5 },
    },
  },
  notes: [
    { key: 'notes.evictions', values: { count: 999 } },
    { key: 'notes.evictions', values: { count: 1500 } },
  ],
};

describe('buildStatusView', () => {
  const view = buildStatusView(report, { t, lang: 'en', esc: (s) => `<${s}>` });

  it('title, time, level, verdict and thresholds', () => {
    expect(view.title).toBe('status:title{cluster=prod}');
    expect(view.takenAt).toBe('2026-02-12 14:16 UTC');
    expect(view.level).toBe('warning');
    expect(view.levelLabel).toBe('status:level.warning');
    expect(view.verdictKind).toBe('rising');
    expect(view.verdictLabel).toBe('status:verdict.rising');
    // The ISO time becomes a clock in the reader's zone, 329044 gets its separators, 12.5 stays.
    expect(view.verdictReason).toBe('status:verdict.rising{count=329,044,pct=12.5,since=14:04 UTC}');
    expect(view.thresholdsLine).toBe('status:thresholds{critical=85%,emergency=95%,warning=75%}');
    expect(view.trend).toBeUndefined();
  });

  it('one row per figure, in order; shares of keys to one decimal; only the raw policy escaped', () => {
    expect(view.memoryPct).toBe('84.6%');
    expect(view.memoryLine).toBe('status:memory.used_of_max{max=1,000 MiB,used=846 MiB}');
    expect(view.rows).toEqual([
      {
        label: 'status:field.memory',
        value: '84.6% · status:memory.used_of_max{max=1,000 MiB,used=846 MiB}',
      },
      { label: 'status:field.peak', value: '900 MiB' },
      { label: 'status:field.keys', value: '2,623,709' },
      // 2,294,665 / 2,623,709 = 87.46 %, 329,044 / 2,623,709 = 12.54 %.
      { label: 'status:field.keys_with_ttl', value: 'common:paren{note=87.5%,value=2,294,665}' },
      { label: 'status:field.keys_without_ttl', value: 'common:paren{note=12.5%,value=329,044}' },
      { label: 'status:field.evicted', value: '0' },
      { label: 'status:field.expired', value: '1,234' },
      { label: 'status:field.ops', value: '5,678' },
      { label: 'status:field.policy', value: '<volatile-lru>' },
      { label: 'status:field.fragmentation', value: '1.23' },
      { label: 'status:field.clients', value: '42' },
      { label: 'status:field.server', value: 'status:mode.standalone{nodes=1,version=7.0.15}' },
    ]);
  });

  it('notes worded through status:, numbers of 1,000 and more with separators', () => {
    expect(view.notes).toEqual(['status:notes.evictions{count=999}', 'status:notes.evictions{count=1,500}']);
  });

  it('no limit: no percentage, used memory against the machine instead; no ratio shows a dash; no keys, 0%', () => {
    const open = buildStatusView(
      {
        ...report,
        level: 'unknown',
        redis: {
          ...redis,
          maxmemoryBytes: 0,
          memoryPct: null,
          fragmentationRatio: null,
          keys: 0,
          keysWithTtl: 0,
          keysWithoutTtl: 0,
        },
      },
      { t, lang: 'en' },
    );
    expect(open.memoryPct).toBe('status:memory.no_limit_short');
    expect(open.memoryLine).toBe('status:memory.used_no_max{system=1 GiB,used=846 MiB}');
    expect(open.rows.find((r) => r.label === 'status:field.fragmentation')?.value).toBe('—');
    expect(open.rows.find((r) => r.label === 'status:field.keys_without_ttl')?.value).toBe(
      'common:paren{note=0.0%,value=0}',
    );
    // Without `esc` raw values pass unchanged (the terminal).
    expect(open.rows.find((r) => r.label === 'status:field.policy')?.value).toBe('volatile-lru');
  });

  it('times in the channel’s zone when one is given', () => {
    const tokyo = buildStatusView(report, { t, lang: 'en', timeZone: 'Asia/Tokyo' });
    expect(tokyo.takenAt).toBe('2026-02-12 23:16 Asia/Tokyo');
    expect(tokyo.verdictReason).toContain('since=23:04 Asia/Tokyo');
  });
});

describe('localizeValues and noteText', () => {
  it('integers from 1,000 get separators, smaller numbers and fractions stay as written, ISO times become clocks', () => {
    expect(
      localizeValues(
        { big: 1_234_567, small: 999, negative: -2000, frac: 1234.5, at: '2026-02-12T14:28:00Z', s: 'x' },
        'en',
        'UTC',
      ),
    ).toEqual({
      big: '1,234,567',
      small: '999',
      negative: '-2,000',
      frac: '1234.5',
      at: '14:28 UTC',
      s: 'x',
    });
  });

  it('a note without values is its key under status:', () => {
    expect(noteText({ key: 'notes.noeviction' }, t, 'en')).toBe('status:notes.noeviction');
  });
});
