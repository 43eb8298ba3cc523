/**
 * The history on a real queue Redis: samples round-trip, the retention trims, a tick written twice
 * keeps one point, and a day of 1-minute points costs what ARCHITECTURE and README state (measured
 * with MEMORY USAGE, Redis's own count).
 */
import { describe, expect } from 'vitest';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { historyTrendProvider } from '../../src/monitoring/history-trend.js';
import type { MonitoringSample } from '../../src/monitoring/sample.js';
import { test } from '../support/fixtures.js';

const realistic = (at: number, i: number): MonitoringSample => ({
  at,
  usedMemory: 2_104_512_000 + i * 1_337,
  maxmemory: 2_576_980_378,
  memoryPct: 81.66 + (i % 7) / 10,
  keys: 2_623_709 + i * 3,
  keysWithTtl: 1_604_210 + i,
  evicted: 12_345 + i,
  expired: 98_765_432 + i * 40,
  opsPerSec: 41_250,
  fragmentation: 1.12,
  clients: 1_204,
  nodes: 3,
});

describe('HistoryStore', () => {
  test('round-trips samples, replaces a repeated tick, trims to the retention', async ({ admin }) => {
    const store = new HistoryStore(admin, { prefix: 'h1', retentionDays: 1 });
    const day = 86_400_000;
    const t0 = Date.UTC(2026, 0, 1);
    await store.add('c', realistic(t0, 0));
    await store.add('c', realistic(t0 + 60_000, 1));
    await store.add('c', { ...realistic(t0 + 60_000, 1), keys: 5 });
    const got = await store.range('c', t0, t0 + 60_000);
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual(realistic(t0, 0));
    expect(got[1]?.keys).toBe(5);
    await store.add('c', realistic(t0 + day + 30_000, 2));
    // t0 is now older than a day: gone; t0 + 1 min is not.
    expect((await admin.zrange(store.key('c'), 0, -1)).length).toBe(2);
    expect((await store.latest('c', 1))[0]?.at).toBe(t0 + day + 30_000);
    expect(await admin.pttl(store.key('c'))).toBeGreaterThan(day);
  });

  test('a day of 1-minute samples of a 3-shard cluster costs 150–300 KB (MEMORY USAGE)', async ({
    admin,
  }) => {
    const store = new HistoryStore(admin, { prefix: 'h2' });
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 1_440; i++) await store.add('big', realistic(t0 + i * 60_000, i));
    const bytes = Number(await admin.memory('USAGE', store.key('big'), 'SAMPLES', '0'));
    expect(await admin.zcard(store.key('big'))).toBe(1_440);
    expect(bytes).toBeLessThan(300_000);
    expect(bytes).toBeGreaterThan(150_000);
  }, 60_000);

  test('keeps every point for the full-resolution period, one per 5 minutes before it', async ({ admin }) => {
    const store = new HistoryStore(admin, { prefix: 'h3', retentionDays: 3, fullResolutionDays: 1 });
    const t0 = Date.UTC(2026, 0, 1);
    const minutes = 2 * 1_440 + 30; // two days and a half hour of 1-minute samples
    for (let i = 0; i < minutes; i++) await store.add('thin', realistic(t0 + i * 60_000, i));
    const last = t0 + (minutes - 1) * 60_000;
    const ats = (await admin.zrange(store.key('thin'), 0, -1, 'WITHSCORES'))
      .filter((_, i) => i % 2 === 1)
      .map(Number);
    const cutoff = last - 86_400_000;
    const recent = ats.filter((a) => a >= cutoff);
    const older = ats.filter((a) => a < cutoff);
    // The last day: every minute.
    expect(recent).toHaveLength(1_441);
    // Before it: one point per 5-minute bucket, all of them, each bucket once (the newest 15
    // minutes before the cutoff may still be at full resolution: thinned on the next writes).
    const thinned = older.filter((a) => a < cutoff - 15 * 60_000);
    const buckets = thinned.map((a) => Math.floor(a / 300_000));
    expect(new Set(buckets).size).toBe(buckets.length);
    expect(buckets.length).toBe((thinned.at(-1)! - thinned[0]!) / 300_000 + 1);
    expect(ats.length).toBeLessThan(1_441 + 1_440 / 5 + 20);
  }, 120_000);

  test('a target with maxmemory 0 gets no note claiming too few samples (memory % is not a number there)', async ({
    admin,
  }) => {
    const store = new HistoryStore(admin, { prefix: 'h-nomax' });
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 30; i++) {
      await store.add('c', { ...realistic(t0 + i * 60_000, i), maxmemory: 0, memoryPct: null });
    }
    expect(await store.range('c', t0, t0 + 30 * 60_000)).toHaveLength(30);
    const target = {
      name: 'c',
      url: 'redis://127.0.0.1:1',
      mode: 'standalone',
      thresholds: { warning: 60, critical: 70, emergency: 85 },
    } as const;
    const got = await historyTrendProvider(store)(target, { end: new Date(t0 + 30 * 60_000), hours: 1 });
    expect(got.ok).toBe(false);
    // 30 samples are stored: a note saying there are too few of them would be false.
    expect(got.notes.filter((n) => n.key === 'notes.history_too_short')).toEqual([]);
  });
});
