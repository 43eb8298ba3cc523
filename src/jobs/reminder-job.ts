/**
 * Reminders: "post this in that thread at that time", for any feature (the runbook's "revisit in
 * 2 weeks"). A reminder is a delayed BullMQ job on the queue Redis whose id is the reminder's own,
 * so it survives restarts and scheduling it twice keeps one. The worker that runs it claims it
 * (SET NX) before posting: two workers, or a job re-run after a stall, post it once.
 */
import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';

export const REMINDER_QUEUE = 'reminders';

/** What to post: an i18n key and raw values, worded in the channel's language when it is due. */
export interface Reminder {
  /** Stable id chosen by the caller (e.g. `revisit-<runId>`): letters, digits, `-`, `_`. */
  id: string;
  channel: string;
  threadTs: string;
  /** When to post (ms since the epoch). */
  at: number;
  key: string;
  values?: Record<string, string | number>;
  /** The incident whose thread it is posted in (its checklist may be waiting for it). */
  incidentId?: string;
}

export interface ReminderReporter {
  remind(reminder: Reminder): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,100}$/;
/** How long a posted reminder's claim and its finished job are kept (ids are not reused within). */
const KEEP_SEC = 30 * 86_400;

export class ReminderService {
  constructor(private readonly queue: Queue<Reminder>) {}

  /** Schedules the reminder; false when one with this id is already scheduled or posted. */
  async schedule(reminder: Reminder, now = Date.now()): Promise<boolean> {
    if (!ID.test(reminder.id)) throw new RangeError(`reminder id must match ${ID}`);
    const jobId = `reminder-${reminder.id}`;
    if (await this.queue.getJob(jobId)) return false;
    await this.queue.add('remind', reminder, {
      jobId,
      delay: Math.max(0, reminder.at - now),
      removeOnComplete: { age: KEEP_SEC },
      removeOnFail: { age: KEEP_SEC },
      attempts: 3,
      backoff: { type: 'exponential', delay: 5_000 },
    });
    return true;
  }

  /** Takes a scheduled reminder back; false when it was not waiting any more. */
  async cancel(id: string): Promise<boolean> {
    const job = await this.queue.getJob(`reminder-${id}`);
    if (!job || !(await job.isDelayed())) return false;
    await job.remove();
    return true;
  }
}

export function createReminderWorker(
  connection: Redis,
  store: Redis,
  prefix: string,
  reporter: ReminderReporter,
): Worker<Reminder> {
  return new Worker<Reminder>(
    REMINDER_QUEUE,
    async (job) => {
      const claimed = await store.set(`${prefix}:reminder-posted:${job.data.id}`, '1', 'EX', KEEP_SEC, 'NX');
      if (claimed !== 'OK') return { posted: false };
      try {
        await reporter.remind(job.data);
      } catch (err) {
        // Not posted: give the claim back so the retry can post it.
        await store.del(`${prefix}:reminder-posted:${job.data.id}`);
        throw err;
      }
      return { posted: true };
    },
    { connection, prefix },
  );
}
