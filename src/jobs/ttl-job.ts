import { DelayedError, type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { cursorFraction } from '../census/walker.js';
import { asMedicError, ErrorCode, errorMessage, MedicError } from '../errors.js';
import type { AuditInput } from '../incidents/audit-log.js';
import type { TimelineEntry } from '../incidents/incident-store.js';
import { luaScript } from '../keyspace/lua.js';
import type { Logger } from '../observability/logger.js';
import { connectTarget, type RedisTarget, type TargetConnection } from '../redis/connect.js';
import { inspectRedis } from '../redis/inspect.js';
import {
  type ApplyOptions,
  applyRule,
  countWithoutTtl,
  type EngineThrottle,
  PAUSE_REASON,
} from '../remediation/engine.js';
import { isRemediationError } from '../remediation/errors.js';
import type {
  ApplyResult,
  EngineCheckpoint,
  EngineCounters,
  EngineProgress,
  TtlRule,
} from '../remediation/types.js';

export const TTL_RUN_QUEUE = 'ttl-run';

import type { TtlRunRequest } from '../remediation/types.js';

export type { TtlRunRequest };

/**
 * What the job keeps in BullMQ between pages and across workers. `job.updateData()` replaces the
 * whole object, so every write spreads the current data.
 */
export interface TtlJobData extends TtlRunRequest {
  /** The one progress message in the thread, posted by the first worker that ran the job. */
  progressTs?: string;
  /** Saved after every page: a worker that takes the job over resumes from here. */
  checkpoint?: EngineCheckpoint;
  /**
   * True while a worker walks. Still true when a worker picks the job up means its predecessor died
   * (or threw) mid-page: counted in `resumes`.
   */
  walking?: boolean;
  /** Epoch ms of the first start; memory (used_memory summed over primaries) at that moment. */
  startedAt?: number;
  memoryBefore?: number;
  /** How often a worker resumed the walk after another one stopped mid-page. */
  resumes?: number;
  /** Set while paused (epoch ms); pauses add up in `pausedMs`. */
  pausedAt?: number;
  pausedBy?: string;
  pausedMs?: number;
  strategy?: ApplyResult['strategy'];
  /** The outcome was posted: a failure handler must not post it again. */
  reported?: boolean;
}

/** What the job reports when it ends (the reporter words it; the audit log keeps the figures). */
export interface TtlRunSummary {
  outcome: 'done' | 'cancelled' | 'failed';
  /**
   * Exact across resumes: every page is counted once from the checkpoint, and the engine recognises
   * its own writes in the page it re-applies after a worker died (see src/remediation/engine.ts).
   */
  counters: EngineCounters;
  /** Times a worker took the walk over from one that died (or failed) mid-page. */
  resumes: number;
  /** The engine could not keep the counters exact (a node replaced without its counts known). */
  approximate?: boolean;
  /** Wall time from the first start, pauses included, and the paused part of it. */
  durationMs: number;
  pausedMs: number;
  memoryBefore?: number;
  memoryAfter?: number;
  /** The verify step: keys in the pattern still without TTL after the run (complete runs only). */
  remainingWithoutTtl?: number;
  /** Who cancelled (a Slack user id, or `pause_expired`). */
  by?: string;
  error?: MedicError;
  strategy?: ApplyResult['strategy'];
}

/** What the progress message shows. */
export interface TtlRunView {
  state: 'running' | 'paused' | 'verifying';
  counters: EngineCounters;
  /** 0–1: how much of the keyspace the walk has covered (SCAN cursors, every node). */
  fraction: number;
  /** Keys in the databases walked (DBSIZE at the start), for "walked / total". */
  total: number;
  keysPerSec: number;
  etaSec: number | null;
  /** Who paused. */
  by?: string;
  /** The engine waits for the target: PING latency or memory above its guard. */
  guard?: 'latency' | 'memory';
}

/**
 * How a run talks to people. The Slack front end implements it; the job knows nothing of Slack.
 * Only the worker that runs the job calls it (never a QueueEvents listener: N replicas would post N times).
 */
export interface TtlRunReporter {
  /** Posts the progress message; its ts is kept in the job so a worker that takes over updates the same one. */
  start(data: TtlJobData): Promise<string | undefined>;
  /** Best effort and non-blocking: the reporter may drop updates (throttle, rate limits), never the walk. */
  progress(data: TtlJobData, view: TtlRunView): void;
  /** Must deliver: waits out rate limits and transient failures. */
  finished(data: TtlJobData, summary: TtlRunSummary): Promise<void>;
  /** The run goes on from its checkpoint after the worker running it stopped; `fraction` 0–1. */
  resumed?(data: TtlJobData, fraction: number): Promise<void>;
}

/** The engine, as the job uses it: src/remediation/engine.ts by default; tests may wrap it. */
export interface RuleApplier {
  applyRule(conn: TargetConnection, rule: TtlRule, options: ApplyOptions): Promise<ApplyResult>;
  countWithoutTtl(
    conn: TargetConnection,
    match: string,
    options?: { throttle?: EngineThrottle | false; signal?: AbortSignal },
  ): Promise<number>;
}

export const engineApplier: RuleApplier = { applyRule, countWithoutTtl };

export type TtlRunStatus = 'queued' | 'running' | 'paused' | 'cancelling' | 'cancelled' | 'done' | 'failed';
const STATUSES: readonly TtlRunStatus[] = [
  'queued',
  'running',
  'paused',
  'cancelling',
  'cancelled',
  'done',
  'failed',
];
const FINAL: readonly TtlRunStatus[] = ['cancelled', 'done', 'failed'];

/** A run's control record on the queue Redis: who may press its buttons, and what they asked for. */
export interface TtlRunState {
  runId: string;
  status: TtlRunStatus;
  cluster: string;
  rule: string;
  requestedBy: string;
  approvedBy: string;
  incidentId: string;
  channel: string;
  threadTs: string;
  /** Who changed the status last, and when (ISO). */
  by?: string;
  at: string;
}

export type TtlControlResult =
  | { ok: true; state: TtlRunState }
  | { ok: false; reason: 'unknown' | 'finished' | 'already'; state?: TtlRunState };

/** Compare-and-set of the status (same shape as the approval store): one of two clicks wins. */
const TRANSITION = luaScript('ttl-run-transition');

/** Creates the record unless it exists; returns the status found (or '' when created). */
const CREATE = luaScript('ttl-run-create');

export interface TtlRunServiceOptions {
  /** Run records are kept this long after their last change. @defaultValue 30 days */
  retentionSec?: number;
  /** Records pause / resume / cancel presses (who, when), as the approval workflow does its steps. */
  audit?: { append(input: AuditInput): Promise<unknown> };
}

/**
 * Enqueues approved runs and carries Pause / Resume / Cancel to whichever worker runs them. The
 * control record lives on the queue Redis; the owning worker reads it after every page (and every
 * second while it waits), so a button pressed on any replica stops the walk within a page.
 */
export class TtlRunService {
  private readonly retentionSec: number;

  constructor(
    private readonly queue: Queue<TtlJobData>,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: TtlRunServiceOptions = {},
  ) {
    this.retentionSec = options.retentionSec ?? 30 * 86_400;
  }

  /**
   * Queues the run once: the job id is the runId and the control record is created only once, so
   * two enqueues of the same approved run (a double click, a retried handler) run it once, and a
   * run that has ended is never queued again.
   */
  async enqueue(run: TtlRunRequest): Promise<{ enqueued: boolean; state: TtlRunState }> {
    assertRunId(run.runId);
    const at = new Date().toISOString();
    const found = String(
      await this.redis.eval(
        CREATE,
        1,
        this.key(run.runId),
        String(this.retentionSec),
        ...Object.entries({
          runId: run.runId,
          status: 'queued',
          cluster: run.cluster,
          rule: run.rule.name,
          requestedBy: run.requestedBy,
          approvedBy: run.approvedBy,
          incidentId: run.incidentId,
          channel: run.channel,
          threadTs: run.threadTs,
          by: run.approvedBy,
          at,
        }).flat(),
      ),
    );
    const state = await this.state(run.runId);
    if (!state) throw new Error(`run ${run.runId} has no control record after enqueue`);
    if ((FINAL as readonly string[]).includes(found)) return { enqueued: false, state };
    // Added even when the record existed: a crash between the two steps must not lose the run.
    // BullMQ ignores an add whose job id exists.
    await this.queue.add('ttl-run', run, {
      jobId: run.runId,
      // A failed page loop (target restarted, connection lost) retries from its checkpoint.
      attempts: 3,
      backoff: { type: 'exponential', delay: 10_000 },
      // Kept for a week: a late duplicate enqueue finds the job (and the record) and does nothing.
      removeOnComplete: { age: 7 * 86_400 },
      removeOnFail: { age: 30 * 86_400 },
    });
    return { enqueued: found === '', state };
  }

  /** Stops the walk after its current page; the job waits (delayed, in Redis) until Resume or Cancel. */
  async pause(runId: string, by: string): Promise<TtlControlResult> {
    const result = await this.transition(runId, ['queued', 'running'], 'paused', by);
    if (result.ok) await this.audit('run_paused', by, result.state);
    return result;
  }

  async resume(runId: string, by: string): Promise<TtlControlResult> {
    const result = await this.transition(runId, ['paused'], 'running', by);
    if (result.ok) {
      await this.wake(runId);
      await this.audit('run_resumed', by, result.state);
    }
    return result;
  }

  /** Stops the run for good; the worker that owns it (or the next to pick it up) posts the summary. */
  async cancel(runId: string, by: string): Promise<TtlControlResult> {
    const result = await this.transition(runId, ['queued', 'running', 'paused'], 'cancelling', by);
    if (result.ok) {
      await this.wake(runId);
      await this.audit('run_cancelled', by, result.state);
    }
    return result;
  }

  async state(runId: string): Promise<TtlRunState | undefined> {
    if (!isRunId(runId)) return undefined;
    return fromHash(await this.redis.hgetall(this.key(runId)));
  }

  /** The cheap read the worker does after every page. */
  async control(runId: string): Promise<{ status: TtlRunStatus | undefined; by: string | undefined }> {
    const [status, by] = await this.redis.hmget(this.key(runId), 'status', 'by');
    return { status: toStatus(status ?? ''), by: by ?? undefined };
  }

  /** The token of the worker that holds the run's BullMQ lock (null: nobody). */
  async lockHolder(runId: string): Promise<string | null> {
    return this.redis.get(`${this.prefix}:${TTL_RUN_QUEUE}:${runId}:lock`);
  }

  /** Worker side: the walk (re)starts, unless a pause or cancel came first. */
  async claim(runId: string): Promise<TtlControlResult> {
    return this.transition(runId, ['queued', 'running'], 'running', 'job');
  }

  /** Worker side: the run has ended (a cancel keeps its user as `by`). An ended run stays as it ended. */
  async finish(runId: string, status: 'done' | 'cancelled' | 'failed', by = 'job'): Promise<void> {
    await this.transition(runId, ['queued', 'running', 'paused', 'cancelling'], status, by);
  }

  async transition(
    runId: string,
    from: readonly TtlRunStatus[],
    to: TtlRunStatus,
    by: string,
  ): Promise<TtlControlResult> {
    if (!isRunId(runId)) return { ok: false, reason: 'unknown' };
    const seen = String(
      await this.redis.eval(
        TRANSITION,
        1,
        this.key(runId),
        from.join(','),
        to,
        by,
        new Date().toISOString(),
        String(this.retentionSec),
      ),
    );
    const state = await this.state(runId);
    if (seen === 'OK' && state) return { ok: true, state };
    if (!state) return { ok: false, reason: 'unknown' };
    if ((FINAL as readonly string[]).includes(state.status)) return { ok: false, reason: 'finished', state };
    return { ok: false, reason: 'already', state };
  }

  /** A paused run sleeps as a delayed job: bring it forward so the new status is acted on now. */
  private async wake(runId: string): Promise<void> {
    const job = await this.queue.getJob(runId);
    if (job && (await job.isDelayed())) await job.promote().catch(() => {});
  }

  private async audit(
    action: 'run_paused' | 'run_resumed' | 'run_cancelled',
    actor: string,
    state: TtlRunState,
  ): Promise<void> {
    await this.options.audit
      ?.append({
        actor,
        action,
        cluster: state.cluster,
        rule: state.rule,
        runId: state.runId,
        incidentId: state.incidentId,
      })
      .catch(() => {});
  }

  /** Not under `<prefix>:ttl-run:`: that is BullMQ's key space for the queue (the job hash is `…:ttl-run:<id>`). */
  private key(runId: string): string {
    return `${this.prefix}:ttl-control:${runId}`;
  }
}

export function isRunId(runId: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(runId) && !/^\d+$/.test(runId);
}

function assertRunId(runId: string): void {
  // BullMQ job ids must not contain ':' and a custom id must not be an integer.
  if (!isRunId(runId))
    throw new MedicError(ErrorCode.ConfigInvalid, { detail: 'runId' }, `bad runId ${runId}`);
}

function toStatus(value: string): TtlRunStatus | undefined {
  return (STATUSES as readonly string[]).includes(value) ? (value as TtlRunStatus) : undefined;
}

function fromHash(h: Record<string, string>): TtlRunState | undefined {
  const status = toStatus(h.status ?? '');
  if (!status || !h.runId || !h.cluster) return undefined;
  return {
    runId: h.runId,
    status,
    cluster: h.cluster,
    rule: h.rule ?? '',
    requestedBy: h.requestedBy ?? '',
    approvedBy: h.approvedBy ?? '',
    incidentId: h.incidentId ?? '',
    channel: h.channel ?? '',
    threadTs: h.threadTs ?? '',
    ...(h.by ? { by: h.by } : {}),
    at: h.at ?? '',
  };
}

// ---------------------------------------------------------------------------------------------
// The processor

export interface TtlJobDeps {
  service: TtlRunService;
  /** @defaultValue {@link engineApplier} */
  applier?: RuleApplier;
  reporter: TtlRunReporter;
  /** B's AuditLog (src/incidents/audit-log.ts): run started, finished, failed. */
  audit?: { append(input: AuditInput): Promise<unknown> };
  incidents?: { append(id: string, entry: TimelineEntry): Promise<void> };
  /** Looks the cluster up in the current config (it may have been removed since approval). */
  target(cluster: string): RedisTarget | undefined;
  /**
   * Checked once connected, before any key is read: a throw (the target is the queue Redis's
   * server) fails the run for good with nothing written.
   */
  guardTarget?: (conn: TargetConnection) => Promise<void>;
  /** The engine's pacing (keys/s, latency and memory guards). @defaultValue the engine's default */
  throttle?: EngineThrottle | false;
  /** The memory guard's settings (it is on for every run). @defaultValue 95 %, 10 min timeout */
  memoryGuard?: ApplyOptions['memoryGuard'];
  logger?: Logger;
  /** The control record is also read this often while no page completes (latency-guard pauses). @defaultValue 1000 */
  pollMs?: number;
  /** A paused run wakes this often to re-read its status (Resume and Cancel wake it at once). @defaultValue 60000 */
  pauseRecheckMs?: number;
  /** A run paused longer than this is cancelled: its dry-run and approval are stale by then. @defaultValue 24 h */
  maxPauseMs?: number;
  now?: () => number;
}

export type TtlRunOutcome = 'done' | 'cancelled' | 'paused' | 'duplicate';

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

  const target = deps.target(data.cluster);
  if (!target) {
    await fail(data, deps, new MedicError(ErrorCode.UnknownCluster, { name: data.cluster }), save);
    throw new UnrecoverableError(`unknown cluster ${data.cluster}`);
  }

  if (data.pausedAt !== undefined) {
    const { pausedAt: _at, pausedBy: _by, ...rest } = data;
    await save({ ...rest, pausedMs: (data.pausedMs ?? 0) + Math.max(0, now() - data.pausedAt) });
  }
  const claim = await service.claim(data.runId);
  if (!claim.ok) {
    // A pause or cancel landed between the read above and now: act on it on the next pickup.
    return await sleepPaused(job, token, now());
  }

  let conn: TargetConnection;
  try {
    conn = await connectTarget(target);
  } catch (err) {
    return await failOrRetry(job, data, deps, asMedicError(err, deps.logger), save);
  }
  try {
    await deps.guardTarget?.(conn);
  } catch (err) {
    await conn.close();
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

/** Parks the job as delayed (it survives restarts in Redis); Resume / Cancel promote it. */
async function sleepPaused(job: Job<TtlJobData>, token: string | undefined, until: number): Promise<never> {
  await job.moveToDelayed(until, token);
  throw new DelayedError();
}

async function endCancelled(
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
async function failOrRetry(
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

async function fail(
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

async function deliver(deps: TtlJobDeps, data: TtlJobData, summary: TtlRunSummary): Promise<void> {
  await deps.reporter.finished(data, summary);
}

function baseSummary(data: TtlJobData, counters: EngineCounters, at: number) {
  return {
    counters,
    resumes: data.resumes ?? 0,
    durationMs: data.startedAt === undefined ? 0 : Math.max(0, at - data.startedAt),
    pausedMs: data.pausedMs ?? 0,
    ...(data.memoryBefore !== undefined ? { memoryBefore: data.memoryBefore } : {}),
    ...(data.strategy ? { strategy: data.strategy } : {}),
  };
}

function countsOf(s: TtlRunSummary): Record<string, number> {
  return {
    scanned: s.counters.scanned,
    changed: s.counters.changed,
    skipped: s.counters.skipped,
    vanished: s.counters.vanished,
    errors: s.counters.errors,
    resumes: s.resumes,
    durationMs: s.durationMs,
    ...(s.remainingWithoutTtl !== undefined ? { remainingWithoutTtl: s.remainingWithoutTtl } : {}),
    ...(s.memoryBefore !== undefined ? { memoryBefore: s.memoryBefore } : {}),
    ...(s.memoryAfter !== undefined ? { memoryAfter: s.memoryAfter } : {}),
  };
}

async function audit(
  deps: TtlJobDeps,
  data: TtlJobData,
  action: 'run_started' | 'run_finished' | 'run_failed',
  actor: string,
  counts: Record<string, number>,
  reason?: string,
): Promise<void> {
  await deps.audit
    ?.append({
      actor,
      action,
      cluster: data.cluster,
      rule: data.rule.name,
      runId: data.runId,
      dryRunId: data.dryRunId,
      incidentId: data.incidentId,
      via: 'job',
      counts,
      ...(reason ? { reason } : {}),
    })
    .catch((err: unknown) =>
      deps.logger?.error(
        { runId: data.runId, action, err: errorMessage(err) },
        'ttl run: audit write failed',
      ),
    );
}

async function timeline(
  deps: TtlJobDeps,
  data: TtlJobData,
  kind: string,
  actor: string,
  values: Record<string, string | number | boolean | null>,
): Promise<void> {
  await deps.incidents
    ?.append(data.incidentId, {
      at: new Date().toISOString(),
      kind,
      actor,
      data: { run: data.runId, ...values },
    })
    .catch(() => {});
}

/** used_memory summed over primaries; undefined when INFO fails (the summary says "—"). */
async function usedMemory(conn: TargetConnection): Promise<number | undefined> {
  try {
    return (await inspectRedis(conn)).usedMemoryBytes;
  } catch {
    return undefined;
  }
}

/** A view while no page runs (start, paused, verifying): from the saved checkpoint. */
function stillView(data: TtlJobData, state: TtlRunView['state']): TtlRunView {
  const cp = data.checkpoint;
  return {
    state,
    counters: cp?.counters ?? zeroCounters(),
    fraction: cp ? walkedFraction(cp) : 0,
    total: cp ? cp.nodes.reduce((s, n) => s + (n.dbsize ?? 0), 0) : 0,
    keysPerSec: 0,
    etaSec: null,
  };
}

/** The share of the keyspace walked, from the SCAN cursors (reverse-binary: a cursor is a position), by DBSIZE. */
export function walkedFraction(checkpoint: EngineCheckpoint): number {
  const nodes = checkpoint.nodes;
  if (nodes.length === 0) return 0;
  const part = (n: EngineCheckpoint['nodes'][number]) => (n.done ? 1 : cursorFraction(n.cursor));
  const total = nodes.reduce((s, n) => s + (n.dbsize ?? 0), 0);
  if (total === 0) return nodes.reduce((s, n) => s + part(n), 0) / nodes.length;
  return Math.min(1, nodes.reduce((s, n) => s + (n.dbsize ?? 0) * part(n), 0) / total);
}

function zeroCounters(): EngineCounters {
  return { scanned: 0, changed: 0, skipped: 0, vanished: 0, errors: 0 };
}

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
    (job: Job<TtlJobData>, token?: string, signal?: AbortSignal) => processTtlRun(job, token, deps, signal),
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
