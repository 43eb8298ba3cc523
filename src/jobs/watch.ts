import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, isMedicError, MedicError } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { checkStatus, type StatusDeps, type StatusTarget } from '../status/check-status.js';
import type { StatusReport } from '../status/types.js';

export const WATCH_QUEUE = 'watch';

/** One watch follows one incident's recovery; each tick is its own delayed job. */
export interface WatchJobData {
  incidentId: string;
  cluster: string;
  channel: string;
  threadTs: string;
  requestedBy: string;
  lang: Lang;
  targetPct: number;
  intervalMs: number;
  /** Epoch ms after which the watch gives up. */
  deadlineAt: number;
  tick: number;
  failures: number;
  previous?: { at: number; pct: number | null };
  /** The "watching…" message whose Cancel button is replaced by the outcome at the end. */
  watchMessageTs?: string;
}

export type WatchEnd = 'reached' | 'timeout' | 'failing';

/** How a watch talks to people. The Slack front end implements it; the job knows nothing of Slack. */
export interface WatchReporter {
  reading(data: WatchJobData, report: StatusReport): Promise<void>;
  failed(data: WatchJobData, error: MedicError): Promise<void>;
  finished(data: WatchJobData, end: WatchEnd, report?: StatusReport): Promise<void>;
}

/** Consecutive failed readings after which a watch stops instead of spamming the thread. */
const MAX_FAILURES = 3;

/**
 * Starts and cancels watches. State lives on the queue Redis (`active` / `cancelled`), so a Cancel
 * pressed on one replica stops the tick that another replica would run next.
 */
export class WatchService {
  constructor(
    private readonly queue: Queue<WatchJobData>,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Marks the incident as watched; false when it already is (one watch per thread is enough).
   * The caller then posts the watch message and {@link schedule}s the first tick.
   */
  async reserve(incidentId: string, deadlineAt: number): Promise<boolean> {
    const ttlSec = Math.ceil((deadlineAt - Date.now()) / 1000) + 3600;
    return (
      (await this.redis.set(this.stateKey(incidentId), 'active', 'EX', Math.max(60, ttlSec), 'NX')) === 'OK'
    );
  }

  /** True when a running watch was cancelled by this call. */
  async cancel(incidentId: string): Promise<boolean> {
    const key = this.stateKey(incidentId);
    const was = await this.redis.getset(key, 'cancelled');
    await this.redis.expire(key, 3600);
    if (was !== 'active') return false;
    // The next tick is a delayed job: remove it. If it is running right now, it re-reads the state.
    const delayed = await this.queue.getDelayed();
    await Promise.all(
      delayed.filter((j) => j.data.incidentId === incidentId).map((j) => j.remove().catch(() => {})),
    );
    return true;
  }

  async isActive(incidentId: string): Promise<boolean> {
    return (await this.redis.get(this.stateKey(incidentId))) === 'active';
  }

  async finish(incidentId: string): Promise<void> {
    await this.redis.del(this.stateKey(incidentId));
  }

  async schedule(data: WatchJobData, delayMs: number): Promise<void> {
    // One job id per tick: a retried or duplicated enqueue can never double a reading.
    await this.queue.add('tick', data, {
      jobId: `watch-${data.incidentId}-${data.tick}`,
      delay: delayMs,
      removeOnComplete: 100,
      removeOnFail: 100,
      attempts: 1,
    });
  }

  private stateKey(incidentId: string): string {
    return `${this.prefix}:watch:${incidentId}`;
  }
}

export interface WatchProcessorDeps {
  service: WatchService;
  incidents?: IncidentStore;
  reporter: WatchReporter;
  /** Looks the cluster up in the current config (it may have been removed since the watch started). */
  target(cluster: string): StatusTarget | undefined;
  status?: StatusDeps;
  now?: () => number;
}

/** One tick: read memory, tell the thread, then stop or schedule the next tick. */
export async function runWatchTick(
  data: WatchJobData,
  deps: WatchProcessorDeps,
): Promise<'next' | WatchEnd | 'cancelled'> {
  const { service, reporter } = deps;
  if (!(await service.isActive(data.incidentId))) return 'cancelled';
  const now = deps.now ?? Date.now;
  const target = deps.target(data.cluster);
  let report: StatusReport | undefined;
  let failures = data.failures;
  try {
    if (!target) throw new MedicError(ErrorCode.UnknownCluster, { name: data.cluster });
    // Live INFO only: CloudWatch lags by minutes and costs per call; the thread has the trend already.
    report = await checkStatus(target, { ...deps.status, trend: undefined });
    failures = 0;
  } catch (err) {
    failures += 1;
    await reporter.failed(
      data,
      isMedicError(err) ? err : new MedicError(ErrorCode.RedisCommand, { detail: 'watch' }),
    );
  }
  // A Cancel pressed while we were reading wins over everything below.
  if (!(await service.isActive(data.incidentId))) return 'cancelled';

  const pct = report?.redis.memoryPct ?? null;
  if (report) await reporter.reading(data, report);
  let end: WatchEnd | undefined;
  if (pct !== null && pct < data.targetPct) end = 'reached';
  else if (failures >= MAX_FAILURES) end = 'failing';
  else if (now() + data.intervalMs > data.deadlineAt) end = 'timeout';
  if (end) {
    await service.finish(data.incidentId);
    await reporter.finished(data, end, report);
    await deps.incidents?.append(data.incidentId, {
      at: new Date(now()).toISOString(),
      kind: 'watch_ended',
      data: { end, memoryPct: pct, targetPct: data.targetPct },
    });
    return end;
  }
  await service.schedule(
    {
      ...data,
      tick: data.tick + 1,
      failures,
      ...(report ? { previous: { at: report.takenAt.getTime(), pct } } : {}),
    },
    data.intervalMs,
  );
  return 'next';
}

export function createWatchWorker(
  connection: Redis,
  prefix: string,
  deps: WatchProcessorDeps,
  concurrency = 4,
): Worker<WatchJobData> {
  return new Worker<WatchJobData>(
    WATCH_QUEUE,
    async (job: Job<WatchJobData>) => runWatchTick(job.data, deps),
    {
      connection,
      prefix,
      concurrency,
    },
  );
}
