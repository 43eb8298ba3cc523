/**
 * The monitoring schedules on a real queue Redis: every replica applying the same config leaves
 * one sample scheduler and one daily-summary scheduler per channel in that channel's zone; a
 * schedule the config dropped is removed; a scheduler job's id carries its scheduled time.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import {
  applyMonitorSchedules,
  createMonitorWorker,
  MONITOR_QUEUE,
  type MonitorJobData,
  type SummaryLine,
  scheduledTime,
} from '../../src/jobs/monitor-job.js';
import { AlertStateStore } from '../../src/monitoring/alert-store.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import type { MonitoringSample } from '../../src/monitoring/sample.js';
import { silentLogger } from '../../src/observability/logger.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

describe('monitoring schedules', () => {
  test('are applied idempotently by every replica and follow the config', async ({ queueRedis }) => {
    const prefix = `ms-${randomUUID().slice(0, 8)}`;
    const a = new Redis(queueRedis.url, { maxRetriesPerRequest: null });
    const b = new Redis(queueRedis.url, { maxRetriesPerRequest: null });
    const qa = new Queue<MonitorJobData>(MONITOR_QUEUE, { connection: a, prefix });
    const qb = new Queue<MonitorJobData>(MONITOR_QUEUE, { connection: b, prefix });
    try {
      const schedules = {
        sample: { cron: '* * * * *', timeZone: 'UTC' },
        summary: { cron: '0 9 * * *', channels: { C1: 'Asia/Shanghai', C2: 'UTC' } },
      };
      await Promise.all([applyMonitorSchedules(qa, schedules), applyMonitorSchedules(qb, schedules)]);
      const all = await qa.getJobSchedulers();
      expect(all.map((s) => [s.key, s.pattern, s.tz]).sort()).toEqual([
        ['sample', '* * * * *', 'UTC'],
        ['summary:C1', '0 9 * * *', 'Asia/Shanghai'],
        ['summary:C2', '0 9 * * *', 'UTC'],
      ]);
      // One job per tick, whoever added it: the next sample job is waiting once, at a minute boundary.
      const delayed = await qa.getDelayed();
      const samples = delayed.filter((j) => j.name === 'sample');
      expect(samples).toHaveLength(1);
      const at = scheduledTime(samples[0] as (typeof samples)[number]);
      expect(at % 60_000).toBe(0);
      expect(at).toBeGreaterThan(Date.now() - 60_000);
      // 09:00 in Shanghai is 01:00 UTC.
      const c1 = delayed.find((j) => j.data.kind === 'summary' && j.data.channel === 'C1');
      expect(new Date(scheduledTime(c1 as NonNullable<typeof c1>)).getUTCHours()).toBe(1);

      // Summary switched off: its schedulers go.
      await applyMonitorSchedules(qa, { sample: schedules.sample });
      expect((await qa.getJobSchedulers()).map((s) => s.key)).toEqual(['sample']);
    } finally {
      await Promise.all([qa.close(), qb.close()]);
      a.disconnect();
      b.disconnect();
    }
  }, 60_000);

  test('a summary job posts each of the channel’s clusters: latest sample and the 24 h peak', async ({
    queueRedis,
  }) => {
    const prefix = `sum-${randomUUID().slice(0, 8)}`;
    const conn = () => new Redis(queueRedis.url, { maxRetriesPerRequest: null });
    const [qc, wc, store] = [conn(), conn(), conn()];
    const queue = new Queue<MonitorJobData>(MONITOR_QUEUE, { connection: qc, prefix });
    const history = new HistoryStore(store, { prefix });
    // The job's time is when it is added (no scheduler id to read it from): samples end just before.
    const at = Date.now() - 1_000;
    const sample = (minutesAgo: number, pct: number): MonitoringSample => ({
      at: at - minutesAgo * 60_000,
      usedMemory: pct,
      maxmemory: 100,
      memoryPct: pct,
      keys: 1_000,
      keysWithTtl: 400,
      evicted: 0,
      expired: 0,
      opsPerSec: 0,
      fragmentation: 1,
      clients: 1,
      nodes: 1,
    });
    // 25 h ago (outside the day), 10 h ago the day's peak, and now.
    await history.add('shop', sample(25 * 60, 95));
    await history.add('shop', sample(10 * 60, 81));
    await history.add('shop', sample(0, 55));
    const posted: { channel: string; lines: SummaryLine[] }[] = [];
    const worker = createMonitorWorker(wc, prefix, {
      clusters: () => [],
      history,
      alerts: new AlertStateStore(store, prefix),
      reporter: { alert: async () => {} },
      summaries: { summary: async (channel, lines) => void posted.push({ channel, lines }) },
      policy: () => {
        throw new Error('no sampling in this test');
      },
      channelClusters: (channel) => (channel === 'C1' ? ['shop', 'empty'] : []),
      logger: silentLogger(),
    });
    try {
      await queue.add('summary', { kind: 'summary', channel: 'C1' }, {});
      await waitFor('the summary', () => posted.length > 0, 30_000);
      expect(posted).toEqual([
        {
          channel: 'C1',
          lines: [
            { cluster: 'shop', latest: sample(0, 55), peakPct: 81 },
            { cluster: 'empty', peakPct: null },
          ],
        },
      ]);
    } finally {
      await worker.close();
      await queue.close();
      for (const c of [qc, wc, store]) c.disconnect();
    }
  }, 60_000);
});
