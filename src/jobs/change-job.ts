// The change-run queue: one BullMQ job per approved change (the job id is the run id, so enqueueing twice keeps one) and its worker.
import { type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChangeRun } from '../changes/approval.js';
import { processChangeRun } from './changes/processor.js';
import { CHANGE_RUN_QUEUE, type ChangeJobData, type ChangeJobDeps } from './changes/types.js';

export { asRefusal, processChangeRun } from './changes/processor.js';
export {
  CHANGE_RUN_QUEUE,
  type ChangeJobData,
  type ChangeJobDeps,
  type ChangeLine,
  type ChangeReporter,
} from './changes/types.js';

const KEEP_SEC = 30 * 86_400;

/** Enqueues approved changes. */
export class ChangeRunService {
  constructor(private readonly queue: Queue<ChangeJobData>) {}

  async enqueue(run: ChangeRun): Promise<void> {
    await this.queue.add(
      'change',
      { ...run },
      {
        jobId: run.runId,
        removeOnComplete: { age: KEEP_SEC },
        removeOnFail: { age: KEEP_SEC },
        // A retry never repeats the write (the call marker says it was made); it resumes the follow-up.
        attempts: 3,
        backoff: { type: 'exponential', delay: 5_000 },
      },
    );
  }
}

export function createChangeWorker(
  connection: Redis,
  prefix: string,
  deps: ChangeJobDeps,
): Worker<ChangeJobData> {
  return new Worker<ChangeJobData>(CHANGE_RUN_QUEUE, (job, token) => processChangeRun(job, token, deps), {
    connection,
    prefix,
    concurrency: 4,
    lockDuration: 60_000,
  });
}
