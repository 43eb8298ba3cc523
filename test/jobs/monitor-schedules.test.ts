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
  MONITOR_QUEUE,
  type MonitorJobData,
  scheduledTime,
} from '../../src/jobs/monitor-job.js';
import { test } from '../support/fixtures.js';

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
});
