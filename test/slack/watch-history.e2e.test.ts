/**
 * Watch mode on a cluster without CloudWatch: each reading carries the slope of the bot's own
 * samples (monitoring every second here), named as such. Memory is moved for real (CONFIG SET
 * maxmemory, a step per sample) so the samples fall; the slope the reading shows is negative. A
 * cluster with CloudWatch keeps live-only readings (test/slack/watch.e2e.test.ts).
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import {
  blocksOf,
  buttonOf,
  hasButton,
  MARKET_CHANNEL,
  type MedicHarness,
  startMedicHarness,
  tsOf,
} from '../support/medic-harness.js';
import { waitFor } from '../support/wait-for.js';

let h: MedicHarness;
let queue: Redis;
let history: HistoryStore;

beforeAll(async () => {
  h = await startMedicHarness({
    keys: 1_000,
    noAws: true,
    monitoring: { sample: { cron: '* * * * * *' } },
  });
  queue = new Redis(h.queue.url);
  history = new HistoryStore(queue, { prefix: h.config.queue.prefix });
}, 120_000);

afterAll(async () => {
  queue?.disconnect();
  await h?.stop();
});

/** Waits for a sample newer than the newest one now. */
async function nextSample(): Promise<void> {
  const [last] = await history.latest('market');
  await waitFor(
    'a new sample',
    async () => ((await history.latest('market'))[0]?.at ?? 0) > (last?.at ?? 0) || undefined,
    { timeoutMs: 20_000, intervalMs: 50 },
  );
}

describe('watch on a cluster without CloudWatch', () => {
  it('each reading shows the slope of the bot’s own samples', async () => {
    // Memory falls a little per sample: 84.6 % → about 80 %, still above the 75 % target.
    await nextSample();
    for (let i = 1; i <= 5; i++) {
      await h.targetClient.config('SET', 'maxmemory', String(Math.round(h.maxmemoryBytes * (1 + i * 0.012))));
      await nextSample();
    }
    const { mark } = await h.slash('market', { channel: MARKET_CHANNEL });
    const report = await h.fake.waitFor(
      'chat.postMessage',
      (c) => h.since(mark, c) && c.body.channel === MARKET_CHANNEL && hasButton(c, 'status_refresh'),
      15_000,
    );
    const ts = tsOf(report);
    await h.click(
      buttonOf(blocksOf(report), 'watch_start'),
      { ts, text: String(report.body.text), blocks: blocksOf(report) },
      { channel: MARKET_CHANNEL },
    );
    const reading = await h.fake.waitFor(
      'chat.postMessage',
      (c) => c.body.thread_ts === ts && /· target below 75%$/.test(String(c.body.text)),
      20_000,
    );
    const slope = /slope ([+-]\d+\.\d\d)%\/min \(redis-medic's samples\)/.exec(String(reading.body.text));
    expect(slope, String(reading.body.text)).not.toBeNull();
    expect(Number(slope?.[1])).toBeLessThan(0);
  }, 90_000);
});
