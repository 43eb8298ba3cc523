// How a TTL run stops short: parked while paused, cancelled, or failed (retried from its checkpoint while attempts remain).
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { ErrorCode, errorMessage, type MedicError } from '../../errors.js';
import type { TargetConnection } from '../../redis/connect.js';
import { isRemediationError } from '../../remediation/errors.js';
import { usedMemory, zeroCounters } from './progress.js';
import { audit, baseSummary, countsOf, timeline } from './run-records.js';
import type { TtlJobData, TtlJobDeps, TtlRunSummary } from './types.js';

/** Parks the job as delayed (it survives restarts in Redis); Resume / Cancel promote it. */
export async function sleepPaused(
  job: Job<TtlJobData>,
  token: string | undefined,
  until: number,
): Promise<never> {
  await job.moveToDelayed(until, token);
  throw new DelayedError();
}

export async function endCancelled(
  data: TtlJobData,
  deps: TtlJobDeps,
  by: string,
  save: (d: TtlJobData) => Promise<void>,
  conn?: TargetConnection,
): Promise<'cancelled'> {
  const now = deps.now ?? Date.now;
  let pausedMs = data.pausedMs ?? 0;
  if (data.pausedAt !== undefined) pausedMs += Math.max(0, now() - data.pausedAt);
  const memoryAfter = conn ? await usedMemory(conn) : undefined;
  const summary: TtlRunSummary = {
    ...baseSummary({ ...data, pausedMs }, data.checkpoint?.counters ?? zeroCounters(), now()),
    outcome: 'cancelled',
    by,
    ...(memoryAfter !== undefined ? { memoryAfter } : {}),
  };
  if (!data.reported) {
    await deliver(deps, data, summary);
    await save({ ...data, reported: true, walking: false });
  }
  await deps.service.finish(data.runId, 'cancelled', by);
  await audit(deps, data, 'run_finished', by, countsOf(summary), 'cancelled');
  await timeline(deps, data, 'ttl_run_cancelled', by, {
    rule: data.rule.name,
    changed: summary.counters.changed,
  });
  return 'cancelled';
}

/** A failed attempt: retried from the checkpoint while attempts remain, reported on the last one. */
export async function failOrRetry(
  job: Job<TtlJobData>,
  data: TtlJobData,
  deps: TtlJobDeps,
  error: MedicError,
  save: (d: TtlJobData) => Promise<void>,
): Promise<never> {
  // A refusal (no safe strategy on this server) or a rule the engine rejects won't change on retry.
  // A memory-guard timeout already waited its full time: another attempt would only wait again.
  const permanent =
    isRemediationError(error) ||
    error.code === ErrorCode.Unexpected ||
    error.code === ErrorCode.Internal ||
    error.code === ErrorCode.QueueIsTarget ||
    error.code === ErrorCode.ClusterDb ||
    error.code === ErrorCode.MemoryGuardTimeout;
  const last = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  deps.logger?.warn(
    { runId: data.runId, err: error.message, last },
    last ? 'ttl run failed' : 'ttl run attempt failed, retrying from its checkpoint',
  );
  if (!last) throw error;
  await fail(data, deps, error, save);
  throw new UnrecoverableError(error.message);
}

export async function fail(
  data: TtlJobData,
  deps: TtlJobDeps,
  error: MedicError,
  save: (d: TtlJobData) => Promise<void>,
): Promise<void> {
  await reportFailure(deps, data, error);
  await save({ ...data, reported: true }).catch(() => {});
}

/** Posts the failure once and closes the run (also used for a job BullMQ failed as stalled). */
export async function reportFailure(deps: TtlJobDeps, data: TtlJobData, error: MedicError): Promise<void> {
  const now = deps.now ?? Date.now;
  const summary: TtlRunSummary = {
    ...baseSummary(data, data.checkpoint?.counters ?? zeroCounters(), now()),
    outcome: 'failed',
    error,
  };
  await deliver(deps, data, summary).catch((err: unknown) =>
    deps.logger?.error({ runId: data.runId, err: errorMessage(err) }, 'ttl run: failure not posted'),
  );
  await deps.service.finish(data.runId, 'failed').catch(() => {});
  await audit(deps, data, 'run_failed', 'job', countsOf(summary), error.code);
  await timeline(deps, data, 'ttl_run_failed', 'job', { rule: data.rule.name, code: error.code });
}

export async function deliver(deps: TtlJobDeps, data: TtlJobData, summary: TtlRunSummary): Promise<void> {
  await deps.reporter.finished(data, summary);
}
