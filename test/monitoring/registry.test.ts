/**
 * The /metrics registry on its own: a census with more patterns than the bound shows the biggest
 * ones by bytes and sums the rest into `other` (totals kept), a newer census replaces the older one's
 * series, and a sample sets the per-cluster gauges (keys without TTL = keys − keys with TTL).
 */
import { describe, expect, it } from 'vitest';
import type { CensusResult, PatternStats } from '../../src/census/types.js';
import { BOT_METRICS, OTHER_PATTERN } from '../../src/monitoring/metrics/names.js';
import { MedicMetrics } from '../../src/monitoring/metrics/registry.js';
import { countingFetch } from '../../src/slack/call-metrics.js';
import { parseExposition } from './exposition.js';

function pattern(name: string, keys: number, bytes: number): PatternStats {
  return {
    pattern: name,
    source: 'inferred',
    keys,
    keysWithoutTtl: Math.floor(keys / 3),
    bytes,
    ttlBuckets: { none: 0, lt1h: 0, lt1d: 0, lt7d: 0, lt30d: 0, lt90d: 0, ge90d: 0 },
    types: {},
    largest: [],
  };
}

function census(patterns: PatternStats[], finishedAt: string): CensusResult {
  const total = (f: (p: PatternStats) => number) => patterns.reduce((s, p) => s + f(p), 0);
  return {
    cluster: 'c1',
    startedAt: finishedAt,
    finishedAt,
    scannedKeys: total((p) => p.keys),
    dbsize: total((p) => p.keys),
    sampled: false,
    fraction: 1,
    totalKeys: total((p) => p.keys),
    totalKeysWithoutTtl: total((p) => p.keysWithoutTtl),
    totalBytes: total((p) => p.bytes),
    bytesEstimated: false,
    patterns,
    overflowFolded: 0,
    durationMs: 1,
    keysPerSec: 1,
    vanished: 0,
    throttlePauses: 0,
  };
}

const series = async (m: MedicMetrics, name: string) =>
  parseExposition(await m.metrics()).filter((s) => s.name === name);

describe('the /metrics registry', () => {
  it('bounds a census to the biggest patterns by bytes plus `other`, keeping the totals', async () => {
    // 60 patterns: p0 … p59, bytes 1000 … 60 (p0 biggest); keys 1 … 60.
    const patterns = Array.from({ length: 60 }, (_, i) => pattern(`p${i}:*`, i + 1, (60 - i) * 1000));
    const m = new MedicMetrics({ maxPatterns: 50 });
    m.recordCensus('c1', census(patterns, '2026-12-06T10:00:00.000Z'));
    const keys = await series(m, BOT_METRICS.censusPatternKeys);
    expect(keys).toHaveLength(51);
    expect(keys.map((s) => s.labels.pattern)).toContain('p49:*');
    expect(keys.map((s) => s.labels.pattern)).not.toContain('p50:*');
    // `other` = p50 … p59: keys 51 … 60 = 555; bytes 10 … 1 thousand = 55 000.
    const other = (list: { labels: Record<string, string>; value: number }[]) =>
      list.find((s) => s.labels.pattern === OTHER_PATTERN)?.value;
    expect(other(keys)).toBe(555);
    expect(other(await series(m, BOT_METRICS.censusPatternBytes))).toBe(55_000);
    expect(keys.reduce((s, k) => s + k.value, 0)).toBe((60 * 61) / 2);
  });

  it('a newer census replaces the series of the older one', async () => {
    const m = new MedicMetrics();
    m.recordCensus(
      'c1',
      census([pattern('old:*', 5, 50), pattern('kept:*', 1, 10)], '2026-12-06T10:00:00.000Z'),
    );
    m.recordCensus('c2', census([pattern('other-cluster:*', 7, 70)], '2026-12-06T10:00:00.000Z'));
    m.recordCensus('c1', census([pattern('kept:*', 2, 20)], '2026-12-06T11:00:00.000Z'));
    const keys = await series(m, BOT_METRICS.censusPatternKeys);
    expect(keys.map((s) => [s.labels.cluster, s.labels.pattern, s.value]).sort()).toEqual([
      ['c1', 'kept:*', 2],
      ['c2', 'other-cluster:*', 7],
    ]);
  });

  it('a sample sets the cluster gauges', async () => {
    const m = new MedicMetrics();
    m.recordSample('c1', {
      at: new Date(1_700_000_000_000),
      usedMemoryBytes: 600,
      maxmemoryBytes: 1000,
      keys: 10,
      keysWithTtl: 4,
    });
    const all = parseExposition(await m.metrics());
    const get = (name: string) => all.find((s) => s.name === name && s.labels.cluster === 'c1')?.value;
    expect(get(BOT_METRICS.memoryUsedBytes)).toBe(600);
    expect(get(BOT_METRICS.memoryMaxBytes)).toBe(1000);
    expect(get(BOT_METRICS.keysWithoutTtl)).toBe(6);
    expect(get(BOT_METRICS.sampleTimestamp)).toBe(1_700_000_000);
  });

  it('counts failed Slack calls: ok:false by error code, 429 as a rate-limit wait', async () => {
    const m = new MedicMetrics();
    const replies: Response[] = [
      Response.json({ ok: false, error: 'channel_not_found' }),
      new Response('', { status: 429, headers: { 'retry-after': '1' } }),
      Response.json({ ok: true }),
    ];
    const fetch = countingFetch(
      async (_url: string | URL) => replies.shift() ?? Response.json({ ok: true }),
      (method, o) => m.slackCall(method, o),
    );
    for (const method of ['chat.postMessage', 'chat.update', 'chat.postMessage']) {
      await fetch(`https://slack.example/api/${method}`);
    }
    // The ok:false body is read from a copy, after the caller got its response: poll briefly.
    const deadline = Date.now() + 2000;
    let errors = await series(m, BOT_METRICS.slackApiErrors);
    while (errors.length < 2 && Date.now() < deadline) errors = await series(m, BOT_METRICS.slackApiErrors);
    expect(errors.map((s) => [s.labels.method, s.labels.error, s.value]).sort()).toEqual([
      ['chat.postMessage', 'channel_not_found', 1],
      ['chat.update', 'ratelimited', 1],
    ]);
    const waits = await series(m, BOT_METRICS.slackRateLimitWaits);
    expect(waits.map((s) => [s.labels.method, s.value])).toEqual([['chat.update', 1]]);
  });

  it('answers a scrape while the queue Redis does not answer, with what it has', async () => {
    const errors: unknown[] = [];
    const m = new MedicMetrics({
      // A queue Redis that is down: ioredis keeps the command until it reconnects, i.e. never here.
      queues: [{ name: 'watch', getJobCounts: () => new Promise<Record<string, number>>(() => {}) }],
      censuses: () => new Promise(() => {}),
      collectTimeoutMs: 200,
      onCollectError: (err) => errors.push(err),
    });
    m.awsError('GetMetricData', 'throttled');
    const text = await m.metrics();
    const aws = parseExposition(text).filter((x) => x.name === BOT_METRICS.awsErrors);
    expect(aws.map((x) => [x.labels.action, x.value])).toEqual([['GetMetricData', 1]]);
    expect(errors).toHaveLength(1);
  });
});
