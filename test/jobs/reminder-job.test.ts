/**
 * Reminders on a real queue Redis: posted at their time, once, with two workers racing for them,
 * scheduled twice under one id, and across a restart (the worker that scheduled it closed before
 * it was due, a new one posts it).
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import {
  createReminderWorker,
  REMINDER_QUEUE,
  type Reminder,
  ReminderService,
} from '../../src/jobs/reminder-job.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

describe('reminders', () => {
  test('posts at its time, exactly once, across two workers, a duplicate schedule and a restart', async ({
    queueRedis,
  }) => {
    const prefix = `rem-${randomUUID().slice(0, 8)}`;
    const conn = () => new Redis(queueRedis.url, { maxRetriesPerRequest: null });
    const [qConn, store, w1Conn, w2Conn, w3Conn] = [conn(), conn(), conn(), conn(), conn()];
    const queue = new Queue<Reminder>(REMINDER_QUEUE, { connection: qConn, prefix });
    const service = new ReminderService(queue);
    const posts: { id: string; at: number; by: string }[] = [];
    const reporter = (by: string) => ({
      remind: async (r: Reminder) => {
        posts.push({ id: r.id, at: Date.now(), by });
      },
    });
    try {
      const dueAt = Date.now() + 1_500;
      const reminder: Reminder = {
        id: 'revisit-run1',
        channel: 'C1',
        threadTs: '1.1',
        at: dueAt,
        key: 'slack:reminder.revisit',
        values: { cluster: 'shop', what: 'two weeks since the TTL fix' },
      };
      expect(await service.schedule(reminder)).toBe(true);
      expect(await service.schedule(reminder)).toBe(false);
      // The process that scheduled it is gone before it is due: the job waits in Redis.
      const first = createReminderWorker(w1Conn, store, prefix, reporter('w1'));
      await first.close();
      const w2 = createReminderWorker(w2Conn, store, prefix, reporter('w2'));
      const w3 = createReminderWorker(w3Conn, store, prefix, reporter('w3'));
      try {
        await waitFor('the reminder post', () => posts.length > 0, 30_000);
        const job = await queue.getJob('reminder-revisit-run1');
        await waitFor('the job to complete', async () => (await job?.isCompleted()) === true, 30_000);
        expect(posts).toHaveLength(1);
        expect(posts[0]?.at).toBeGreaterThanOrEqual(dueAt);
        // Running the finished job again (as a stalled job would be) posts nothing.
        const finishedOn = (await queue.getJob('reminder-revisit-run1'))?.finishedOn ?? 0;
        await job?.retry('completed');
        await waitFor(
          'the re-run to finish',
          async () => ((await queue.getJob('reminder-revisit-run1'))?.finishedOn ?? 0) > finishedOn,
          30_000,
        );
        expect(await service.schedule(reminder)).toBe(false);
        expect(posts).toHaveLength(1);
      } finally {
        await Promise.all([w2.close(), w3.close()]);
      }
      // Cancel takes a waiting one back.
      expect(await service.schedule({ ...reminder, id: 'later', at: Date.now() + 3_600_000 })).toBe(true);
      expect(await service.cancel('later')).toBe(true);
      expect(await queue.getJob('reminder-later')).toBeUndefined();
    } finally {
      await queue.close();
      for (const c of [qConn, store, w1Conn, w2Conn, w3Conn]) c.disconnect();
    }
  }, 60_000);
});
