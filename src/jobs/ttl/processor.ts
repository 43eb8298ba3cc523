// The BullMQ processor of a TTL run: claims the run, walks it page by page with checkpoints, and acts on Pause / Cancel / lock loss.
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { asMedicError, ErrorCode, errorMessage, MedicError } from '../../errors.js';
import { connectTarget, type TargetConnection } from '../../redis/connect.js';
import { applyRule, countWithoutTtl, PAUSE_REASON } from '../../remediation/engine.js';
import type { ApplyResult, EngineCheckpoint, EngineProgress } from '../../remediation/types.js';
import { deliver, endCancelled, fail, failOrRetry, sleepPaused } from './endings.js';
import { stillView, usedMemory, walkedFraction } from './progress.js';
import { audit, baseSummary, countsOf, timeline } from './run-records.js';
import { FINAL, type TtlRunStatus } from './run-service.js';
import type { RuleApplier, TtlJobData, TtlJobDeps, TtlRunOutcome, TtlRunSummary } from './types.js';

export const engineApplier: RuleApplier = { applyRule, countWithoutTtl };

/** Why this process stopped its own walk. */
interface Stop {
  /** `lost`: the job's lock is no longer ours (we stalled and another worker took over). */
  kind: 'pause' | 'cancel' | 'shutdown' | 'lost';
  by: string;
}

/**
 * Runs (or resumes) one approved TTL run. The engine walks page by page; after every page the job
 * saves the checkpoint into the job (so a worker that dies is replaced by one that resumes from
 * the last page), reads the control record (Pause / Cancel from any replica) and hands progress to
 * the reporter without waiting for it.
 */
export async function processTtlRun(
  job: Job<TtlJobData>,
  token: string | undefined,
  deps: TtlJobDeps,
  signal?: AbortSignal,
): Promise<TtlRunOutcome> {
  const now = deps.now ?? Date.now;
  const { service, reporter } = deps;
  const applier = deps.applier ?? engineApplier;
  let data: TtlJobData = job.data;
  const save = async (next: TtlJobData) => {
    data = next;
    await job.updateData(next);
  };

  const control = await service.control(data.runId);
  if (control.status && (FINAL as readonly string[]).includes(control.status)) return 'duplicate';
  if (!control.status) {
    // The record was lost (queue Redis flushed?): nobody can press the buttons; don't run blind.
    throw new UnrecoverableError(`run ${data.runId} has no control record`);
  }

  if (control.status === 'paused') {
    const pausedAt = data.pausedAt ?? now();
    if (now() - pausedAt <= (deps.maxPauseMs ?? 24 * 3_600_000)) {
      if (data.pausedAt === undefined) await save({ ...data, pausedAt, pausedBy: control.by ?? '' });
      return await sleepPaused(job, token, now() + (deps.pauseRecheckMs ?? 60_000));
    }
    await service.transition(data.runId, ['paused'], 'cancelling', 'pause_expired');
    return await endCancelled(data, deps, 'pause_expired', save);
  }
  if (control.status === 'cancelling') return await endCancelled(data, deps, control.by ?? '', save);

  // A run scheduled for the off-peak window and promoted early goes back to wait for it.
  const notBefore = data.plan?.notBefore;
  if (notBefore !== undefined && data.startedAt === undefined && now() < notBefore) {
    deps.logger?.info({ runId: data.runId, notBefore }, 'ttl run: promoted before its window, waiting');
    return await sleepPaused(job, token, notBefore);
  }

  const target = deps.target(data.cluster);
  if (!target) {
    await fail(data, deps, new MedicError(ErrorCode.UnknownCluster, { name: data.cluster }), save);
    throw new UnrecoverableError(`unknown cluster ${data.cluster}`);
  }

  if (data.pausedAt !== undefined) {
    const { pausedAt: _at, pausedBy: _by, ...rest } = data;
    await save({ ...rest, pausedMs: (data.pausedMs ?? 0) + Math.max(0, now() - data.pausedAt) });
  }
  // One TTL run per cluster at a time: while another run (a CLI `ttl run`, another approved run)
  // holds the cluster, this one waits in the delayed set, unclaimed, and looks again later.
  const taken = await service.lease(data, now());
  if (!taken.ok) {
    deps.logger?.info(
      { runId: data.runId, cluster: data.cluster, heldBy: taken.holder.owner, via: taken.holder.via },
      'ttl run: another run holds the cluster, waiting',
    );
    return await sleepPaused(job, token, now() + (deps.leaseRecheckMs ?? 15_000));
  }
  const lease = taken.lease;
  const claim = await service.claim(data.runId);
  if (!claim.ok) {
    // A pause or cancel landed between the read above and now: act on it on the next pickup.
    await lease.release();
    return await sleepPaused(job, token, now());
  }

  let conn: TargetConnection;
  try {
    conn = await connectTarget(target);
  } catch (err) {
    await lease.release().catch(() => {});
    return await failOrRetry(job, data, deps, asMedicError(err, deps.logger), save);
  }
  try {
    await deps.guardTarget?.(conn);
  } catch (err) {
    await conn.close();
    await lease.release().catch(() => {});
    return await failOrRetry(job, data, deps, asMedicError(err, deps.logger), save);
  }
  const abort = new AbortController();
  let stop: Stop | undefined;
  const requestStop = (s: Stop) => {
    if (stop) return;
    stop = s;
    // The engine reports `stoppedBy: 'pause'` for PAUSE_REASON; either way it stops between pages.
    abort.abort(s.kind === 'cancel' ? 'cancel' : PAUSE_REASON);
  };
  const lockLost = () => stop?.kind === 'lost';
  signal?.addEventListener('abort', () => requestStop({ kind: 'shutdown', by: 'worker' }), { once: true });
  // Lease gone (this process stalled past it): stop between pages and go back to the queue, where
  // the next pickup waits for whoever holds the cluster now.
  lease.keepAlive(() => requestStop({ kind: 'shutdown', by: 'lease' }));
  const poll = setInterval(() => {
    void service
      .control(data.runId)
      .then((c) => checkControl(c, requestStop))
      .catch(() => {});
    if (token) {
      void service
        .lockHolder(data.runId)
        .then((holder) => {
          if (holder !== null && holder !== token) requestStop({ kind: 'lost', by: 'worker' });
        })
        .catch(() => {});
    }
  }, deps.pollMs ?? 1000);

  try {
    if (data.startedAt === undefined) {
      try {
        await deps.beforeStart?.(conn, data);
      } catch (err) {
        // A drifted re-count stands until someone dry-runs again; a lost connection may be retried
        // (the catch below).
        if (!(err instanceof MedicError) || err.code !== ErrorCode.PlanDrift) throw err;
        await fail(data, deps, err, save);
        throw new UnrecoverableError(err.message);
      }
      const memoryBefore = await usedMemory(conn);
      const progressTs = await reporter.start(data).catch((err: unknown) => {
        deps.logger?.warn({ runId: data.runId, err: errorMessage(err) }, 'ttl run: progress message failed');
        return undefined;
      });
      await save({
        ...data,
        startedAt: now(),
        ...(memoryBefore !== undefined ? { memoryBefore } : {}),
        ...(progressTs ? { progressTs } : {}),
      });
      await audit(deps, data, 'run_started', data.approvedBy, {
        ...(data.expected ? { toChange: data.expected.toChange, matched: data.expected.matched } : {}),
      });
      await timeline(deps, data, 'ttl_run_started', data.approvedBy, { rule: data.rule.name });
    }

    // Counters on resume: the checkpoint's counters cover every page finished before it, once.
    // When the previous walker died mid-page, the engine re-applies that page from its starting
    // cursor (harmless: the writes are conditional) and recognises the dead worker's writes as this
    // run's own (the stamp its expiries carry, written after the checkpoint's server time), so they are
    // counted as changed, not skipped: the totals equal an uninterrupted run's.
    const interrupted = data.walking === true && data.checkpoint !== undefined;
    await save({ ...data, walking: true, resumes: (data.resumes ?? 0) + (interrupted ? 1 : 0) });
    if (interrupted && data.checkpoint && reporter.resumed) {
      // Said in the thread, so nobody reads the jump in the progress message as a second run.
      await reporter.resumed(data, walkedFraction(data.checkpoint)).catch((err: unknown) => {
        deps.logger?.warn({ runId: data.runId, err: errorMessage(err) }, 'ttl run: resume note failed');
      });
    }
    let writes: Promise<unknown> = Promise.resolve();

    let guard: string | undefined;
    const onPage = async (checkpoint: EngineCheckpoint, progress: EngineProgress) => {
      const nowGuard = progress.paused ? progress.pausedBy : undefined;
      if (nowGuard !== guard) {
        guard = nowGuard;
        if (nowGuard) {
          deps.logger?.warn(
            { runId: data.runId, guard: nowGuard, ...(progress.memory ?? {}) },
            'ttl run paused by its guard: goes on when the target recovers',
          );
        } else deps.logger?.info({ runId: data.runId }, 'ttl run: guard pause over, going on');
      }
      const next: TtlJobData = { ...data, checkpoint, walking: true };
      data = next;
      // The checkpoint write and the control read go out together: one round trip per page.
      const write = writes.then(() => job.updateData(next));
      writes = write.catch(() => {});
      const [saved, read] = await Promise.allSettled([write, service.control(data.runId)]);
      if (saved.status === 'rejected') {
        deps.logger?.warn(
          { runId: data.runId, err: errorMessage(saved.reason) },
          'ttl run: checkpoint not saved',
        );
      }
      if (read.status === 'fulfilled') checkControl(read.value, requestStop);
      reporter.progress(data, {
        state: 'running',
        counters: checkpoint.counters,
        fraction: progress.fraction,
        total: progress.total,
        keysPerSec: progress.keysPerSec,
        etaSec: progress.etaSec,
        ...(progress.paused && progress.pausedBy ? { guard: progress.pausedBy } : {}),
      });
    };

    if (!stop) reporter.progress(data, stillView(data, 'running'));
    let result: ApplyResult | undefined;
    try {
      if (!stop) {
        result = await applier.applyRule(conn, data.rule, {
          ...(data.checkpoint ? { checkpoint: data.checkpoint } : {}),
          ...(deps.throttle !== undefined ? { throttle: deps.throttle } : {}),
          ...(deps.memoryGuard ? { memoryGuard: deps.memoryGuard } : {}),
          signal: abort.signal,
          onPage,
        });
      }
    } catch (err) {
      if (!stop) throw err;
      // An engine that rejects on abort: the last saved checkpoint is where it stopped.
    }
    await writes;
    if (result) {
      data = { ...data, checkpoint: result.checkpoint, strategy: result.strategy };
    }

    if (stop?.kind === 'lost') {
      // Another worker owns the run now (our lock expired): leave the job and the thread to it.
      throw new Error('ttl run: lock lost to another worker');
    }
    // An engine that returned stopped between pages: its checkpoint is exact and the next start
    // re-applies nothing. One that threw may have left a page half done: keep `walking` set.
    const clean = result !== undefined;
    if (stop?.kind === 'pause' || stop?.kind === 'shutdown') {
      await save({
        ...data,
        walking: !clean,
        ...(stop.kind === 'pause' ? { pausedAt: now(), pausedBy: stop.by } : {}),
      });
      if (stop.kind === 'pause') {
        reporter.progress(data, { ...stillView(data, 'paused'), by: stop.by });
        return await sleepPaused(job, token, now() + (deps.pauseRecheckMs ?? 60_000));
      }
      // Worker shutting down: back to the queue at once for another worker.
      return await sleepPaused(job, token, now());
    }
    if (stop?.kind === 'cancel') {
      await save({ ...data, walking: !clean });
      return await endCancelled(data, deps, stop.by, save, conn);
    }
    if (!result?.complete) {
      // The engine came back without finishing and without being asked to stop.
      throw new MedicError(ErrorCode.Unexpected, { reason: 'engine_stopped' }, 'engine stopped early');
    }

    await save({ ...data, walking: false });
    reporter.progress(data, { ...stillView(data, 'verifying'), fraction: 1 });
    const memoryAfter = await usedMemory(conn);
    const remainingWithoutTtl = await applier.countWithoutTtl(conn, data.rule.match, {
      ...(deps.throttle !== undefined ? { throttle: deps.throttle } : {}),
    });
    const summary: TtlRunSummary = {
      ...baseSummary(data, result.counters, now()),
      outcome: 'done',
      ...(result.approximate ? { approximate: true } : {}),
      ...(memoryAfter !== undefined ? { memoryAfter } : {}),
      remainingWithoutTtl,
    };
    await deliver(deps, data, summary);
    await save({ ...data, reported: true });
    await service.finish(data.runId, 'done');
    await audit(deps, data, 'run_finished', 'job', countsOf(summary));
    await timeline(deps, data, 'ttl_run_finished', 'job', {
      rule: data.rule.name,
      changed: summary.counters.changed,
      remainingWithoutTtl,
    });
    return 'done';
  } catch (err) {
    if (err instanceof DelayedError || err instanceof UnrecoverableError || lockLost()) throw err;
    return await failOrRetry(job, data, deps, asMedicError(err, deps.logger), save);
  } finally {
    clearInterval(poll);
    // Lock lost: the worker that took the job over holds the same lease (same run id) now.
    if (lockLost()) lease.stop();
    else await lease.release().catch(() => {});
    await conn.close().catch(() => {});
  }
}

function checkControl(
  c: { status: TtlRunStatus | undefined; by: string | undefined },
  requestStop: (s: Stop) => void,
): void {
  if (c.status === 'paused') requestStop({ kind: 'pause', by: c.by ?? '' });
  else if (c.status === 'cancelling') requestStop({ kind: 'cancel', by: c.by ?? '' });
}
