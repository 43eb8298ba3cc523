/**
 * A target without AWS: after some minutes of the bot's own samples, `/redis-status` shows the
 * trend from the history, its slope, a verdict that uses them, uploads the chart, and names the
 * source. The samples come from the real sampler reading the real target's INFO; the ticks' times
 * are a minute apart in the past (time scaled down: ten minutes of samples in a few seconds), and
 * the target's memory ratio is moved between them with CONFIG SET maxmemory.
 */

import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.js';
import { IncidentStore } from '../../src/incidents/incident-store.js';
import { parseInfo } from '../../src/keyspace/server-facts.js';
import { AlertStateStore } from '../../src/monitoring/alert-store.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { runSampleTick } from '../../src/monitoring/monitor-tick.js';
import { silentLogger } from '../../src/observability/logger.js';
import { slackAlertReporter } from '../../src/slack/alert-reporter.js';
import {
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  textOf,
  tsOf,
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
    const slope = Number(/slope \+([\d.]+) ?%\/min/.exec(text)?.[1]);
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

  it('an alert carries the figures, the verdict and buttons that lead to status, census and the TTL rules', async () => {
    const market = h.config.clusters.find((c) => c.name === 'market');
    if (!market) throw new Error('no market cluster');
    const reporter = slackAlertReporter({
      client: new WebClient('xoxb-test', { slackApiUrl: h.fake.url, retryConfig: { retries: 0 } }),
      config: h.config,
      i18n: createI18n({ strict: true }),
      incidents: new IncidentStore(queue, { prefix: h.config.queue.prefix, idleHours: 24 }),
      logger: silentLogger(),
    });
    const mark = h.mark();
    await reporter.alert({
      cluster: 'market',
      alert: {
        kind: 'critical',
        at: Date.now(),
        from: 'warning',
        memoryPct: 72.4,
        usedMemory: 724 * 2 ** 20,
        maxmemory: 1000 * 2 ** 20,
        evictedSinceLast: 0,
        keysWithoutTtl: 788,
      },
      verdict: {
        kind: 'critical',
        reason: {
          key: 'verdict.reason.critical_and_rising',
          values: { current: 72.4, threshold: 70, slope: 0.5 },
        },
      },
    });
    const alert = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && hasButton(c, 'alert_status'),
      10_000,
    );
    const text = textOf(blocksOf(alert));
    expect(text).toContain('*market* memory at 72.4%: above the 70% critical line');
    expect(text).toContain('*Memory*\n72.4% · 724 MiB of 1,000 MiB');
    expect(text).toContain('*Keys without TTL*\n788');
    expect(text).toContain('above the 70% critical line and rising 0.5 %/min');
    // The alert joined the incident thread the status report opened.
    expect(alert.body.thread_ts).toBeTruthy();
    const message = { ts: tsOf(alert), thread_ts: String(alert.body.thread_ts) };

    const rules = await h.click(buttonOf(blocksOf(alert), 'alert_rules'), message, {
      channel: MARKET_CHANNEL,
    });
    const ruleAnswer = await h.fake.waitFor('response_url', (c) => c.responseId === rules.responseId, 10_000);
    expect(JSON.stringify(ruleAnswer.body)).toContain('/redis-ttl');

    const status = await h.click(buttonOf(blocksOf(alert), 'alert_status'), message, {
      channel: MARKET_CHANNEL,
    });
    const report = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(status.mark, c) && hasButton(c, 'status_refresh'),
      20_000,
    );
    expect(report.body.thread_ts).toBe(message.thread_ts);

    // From another channel: refused, nothing posted.
    const elsewhere = await h.click(buttonOf(blocksOf(alert), 'alert_census'), message, {
      channel: 'C0ELSEWHERE',
    });
    const refusal = await h.fake.waitFor(
      'response_url',
      (c) => c.responseId === elsewhere.responseId,
      10_000,
    );
    expect(JSON.stringify(refusal.body)).toMatch(/channel/i);
  }, 60_000);
});
