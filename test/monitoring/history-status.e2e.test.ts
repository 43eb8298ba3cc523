/**
 * A target without AWS: after some minutes of the bot's own samples, `/redis-status` shows the
 * trend from the history, its slope, a verdict that uses them, uploads the chart, and names the
 * source. The samples come from the real sampler reading the real target's INFO; the ticks' times
 * are a minute apart in the past (time scaled down: ten minutes of samples in a few seconds), and
 * the target's memory ratio is moved between them with CONFIG SET maxmemory.
 */

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInfo } from '../../src/keyspace/server-facts.js';
import { AlertStateStore } from '../../src/monitoring/alert-store.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { runSampleTick } from '../../src/monitoring/monitor-tick.js';
import { silentLogger } from '../../src/observability/logger.js';
import {
  blocksOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
} from '../support/medic-harness.js';

let h: MedicHarness;
let queue: Redis;

beforeAll(async () => {
  h = await startMedicHarness({ noAws: true, keys: 2_000, memoryPct: 70 });
  queue = new Redis(h.queue.url);
}, 120_000);

afterAll(async () => {
  queue?.disconnect();
  await h?.stop();
});

/** Least-squares slope in % per minute: the independent truth the report's slope is checked against. */
function slopePerMin(points: { min: number; pct: number }[]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.min, 0) / n;
  const my = points.reduce((a, p) => a + p.pct, 0) / n;
  const num = points.reduce((a, p) => a + (p.min - mx) * (p.pct - my), 0);
  const den = points.reduce((a, p) => a + (p.min - mx) ** 2, 0);
  return num / den;
}

describe('/redis-status on a target without AWS, from the bot’s own history', () => {
  it('shows the history trend, its slope, a verdict that uses it, the chart, and names the source', async () => {
    const market = h.config.clusters.find((c) => c.name === 'market');
    if (!market) throw new Error('no market cluster');
    const history = new HistoryStore(queue, { prefix: h.config.queue.prefix });
    const deps = {
      clusters: () => [market],
      history,
      alerts: new AlertStateStore(queue, h.config.queue.prefix),
      reporter: { alert: async () => {} },
      policy: () => ({
        thresholds: market.thresholds,
        hysteresisPct: 2,
        minDurationMs: 0,
        evictions: false,
      }),
      logger: silentLogger(),
    };
    const used = Number(parseInfo(await h.targetClient.info('memory')).memory?.used_memory);
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const seen: { min: number; pct: number }[] = [];
    for (let i = 0; i < 10; i++) {
      // 71 % rising a point a minute: above the critical line, rising, under emergency (85 %).
      const wanted = 71 + i;
      await h.targetClient.config('SET', 'maxmemory', String(Math.round(used / (wanted / 100))));
      const at = now - (9 - i) * 60_000;
      const outcome = await runSampleTick(deps, at);
      expect(outcome).toMatchObject({ sampled: 1, failed: 0 });
      // The truth from Redis itself, right after the sampler's read.
      const mem = parseInfo(await h.targetClient.info('memory')).memory;
      seen.push({ min: i, pct: (Number(mem?.used_memory) / Number(mem?.maxmemory)) * 100 });
    }
    expect(await queue.zcard(history.key('market'))).toBe(10);

    const { res, mark } = await h.slash('market');
    expect(res.status).toBe(200);
    const report = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL && hasButton(c, 'status_refresh'),
      20_000,
    );
    const text = textOf(blocksOf(report));
    expect(text).toContain("redis-medic's own INFO samples of market, last 9 min");
    expect(text).toContain("no CloudWatch for this cluster: the trend is redis-medic's own INFO samples");
    expect(text).not.toContain('trend and CloudWatch verdict skipped');
    const slope = Number(/slope \+([\d.]+) %\/min/.exec(text)?.[1]);
    expect(slope).toBeCloseTo(slopePerMin(seen), 1);
    // The verdict uses the slope: above the critical line and rising at that slope.
    expect(text).toContain('Critical');
    const verdictSlope = Number(/above the 70% critical line and rising ([\d.]+) %\/min/.exec(text)?.[1]);
    expect(verdictSlope).toBeCloseTo(slopePerMin(seen), 1);

    const upload = await h.fake.waitFor(
      'files.completeUploadExternal',
      (c) => h.since(mark, c) && c.body.channel_id === MARKET_CHANNEL,
      20_000,
    );
    expect(upload).toBeDefined();
    expect(h.fake.uploads.some((u) => u.filename === 'market-memory.png' && u.byteLength > 1_000)).toBe(true);
  }, 120_000);
});
