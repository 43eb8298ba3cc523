// The BullMQ worker for TTL runs: lock and stalled-job settings, shutdown, and the failure a stalled run reports.
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { asMedicError } from '../../errors.js';
import { reportFailure } from './endings.js';
import { planJobDeps } from './plan-deps.js';
import { processTtlRun } from './processor.js';
import { TTL_RUN_QUEUE, type TtlJobData, type TtlJobDeps, type TtlRunOutcome } from './types.js';

export interface TtlWorkerOptions {
  /** Runs at once per process. @defaultValue 1 */
  concurrency?: number;
  /**
   * A page loop never blocks the event loop for long, but a busy process can delay lock renewal:
   * generous, so a live worker is never taken for a stalled one. A SIGKILLed worker's run is
   * picked up by another worker about this long (plus one stalled check) after it died.
   * @defaultValue 60000
   */
  lockDuration?: number;
  /** @defaultValue 15000 */
  stalledInterval?: number;
  /** Times a run may be recovered from a dead worker before it fails. @defaultValue 3 */
  maxStalledCount?: number;
}

/**
 * The worker for TTL runs. A SIGTERM-style close stops the walk after its page and puts the run
 * back in the queue at once; a killed worker's run is recovered by BullMQ's stalled check on any
 * other worker and resumes from its last checkpoint.
 */
export function createTtlWorker(
  connection: Redis,
  prefix: string,
  deps: TtlJobDeps,
  options: TtlWorkerOptions = {},
): Worker<TtlJobData, TtlRunOutcome> {
  const worker = new Worker<TtlJobData, TtlRunOutcome>(
    TTL_RUN_QUEUE,
    (job: Job<TtlJobData>, token?: string, signal?: AbortSignal) =>
      // A whole plan runs as one job: the same processor with the plan's applier (plan-deps.ts).
      processTtlRun(job, token, job.data.plan ? planJobDeps(deps, job, job.data.plan) : deps, signal),
    {
      connection,
      prefix,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDuration ?? 60_000,
      stalledInterval: options.stalledInterval ?? 15_000,
      maxStalledCount: options.maxStalledCount ?? 3,
    },
  );
  // Closing: the running walks stop at their next page and go back to the queue.
  worker.on('closing', () => worker.cancelAllJobs('worker closing'));
  // Failed without our processor reporting it (stalled too often): say so in the thread once.
  worker.on('failed', (job, err) => {
    if (!job || job.data.reported || err instanceof UnrecoverableError) return;
    const last = job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
    if (!last) return;
    void reportFailure(deps, job.data, asMedicError(err, deps.logger)).catch(() => {});
  });
  return worker;
}
