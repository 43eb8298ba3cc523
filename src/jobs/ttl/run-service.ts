// The run's control record on the queue Redis (Pause / Resume / Cancel from any replica) and the service that enqueues runs.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, MedicError } from '../../errors.js';
import type { AuditInput } from '../../incidents/audit-log.js';
import { luaScript } from '../../keyspace/lua.js';
import { type AcquireResult, RunLease } from '../../remediation/run-lease.js';
import type { TtlRunRequest } from '../../remediation/types.js';
import { TTL_RUN_QUEUE, type TtlJobData } from './types.js';

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

/** A run that has ended stays as it ended. */
export const FINAL: readonly TtlRunStatus[] = ['cancelled', 'done', 'failed'];

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
  async enqueue(
    run: TtlRunRequest,
    /** `delayMs`: the run waits (delayed, cancellable) this long first: an off-peak window's start. */
    opts: { delayMs?: number } = {},
  ): Promise<{ enqueued: boolean; state: TtlRunState }> {
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
      ...(opts.delayMs && opts.delayMs > 0 ? { delay: Math.round(opts.delayMs) } : {}),
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

  /**
   * What a glance (App Home) shows of a run: its control record and the job's saved data (the
   * checkpoint's counters and cursors). Two reads on the queue Redis; no walk, nothing of the target.
   */
  async snapshot(runId: string): Promise<{ state?: TtlRunState; data?: TtlJobData }> {
    if (!isRunId(runId)) return {};
    const [state, job] = await Promise.all([this.state(runId), this.queue.getJob(runId)]);
    return { ...(state ? { state } : {}), ...(job?.data ? { data: job.data } : {}) };
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

  /**
   * Worker side: the cluster's run lease (one TTL run per cluster, CLI included) for this run. A
   * resumed job (same run id, after a kill) takes its own lease back.
   */
  async lease(
    data: Pick<TtlJobData, 'runId' | 'cluster' | 'approvedBy'>,
    now: number,
  ): Promise<AcquireResult> {
    return RunLease.acquire(this.redis, {
      prefix: this.prefix,
      cluster: data.cluster,
      holder: { owner: data.runId, startedAt: now, actor: data.approvedBy, via: 'slack' },
    });
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
