import { randomBytes } from 'node:crypto';
import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { asMedicError, ErrorCode, MedicError } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { luaScript } from '../keyspace/lua.js';
import { checkStatus, type StatusDeps, type StatusTarget } from '../status/check-status.js';
import type { StatusReport } from '../status/types.js';

export const WATCH_QUEUE = 'watch';

/** One watch follows one incident's recovery; each tick is its own delayed job. */
export interface WatchJobData {
  incidentId: string;
  /** Tells this watch from an earlier, cancelled one in the same thread. */
  watchId: string;
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

/** `no_limit`: maxmemory is 0, so there is no percentage to fall below. */
export type WatchEnd = 'reached' | 'timeout' | 'failing' | 'no_limit';

/** How a watch talks to people. The Slack front end implements it; the job knows nothing of Slack. */
export interface WatchReporter {
  reading(data: WatchJobData, report: StatusReport): Promise<void>;
  failed(data: WatchJobData, error: MedicError): Promise<void>;
  finished(data: WatchJobData, end: WatchEnd, report?: StatusReport): Promise<void>;
}

/**
 * Deletes the watch state when it is active (and, with ARGV[1], only when it is exactly that
 * watch); returns the old value. Atomic, so Cancel and a finishing tick can't step on each other.
 */
const DELETE_IF_ACTIVE = luaScript('delete-if-active');

/** Consecutive failed readings after which a watch stops instead of spamming the thread. */
const MAX_FAILURES = 3;

/**
 * Starts and cancels watches. State lives on the queue Redis (`active:<watchId>`, deleted on end), so a Cancel
 * pressed on one replica stops the tick that another replica would run next.
 */
export class WatchService {
  constructor(
    private readonly queue: Queue<WatchJobData>,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /**
   * Marks the incident as watched and returns the new watch's id; undefined when a watch already
   * runs there (one per thread is enough). The caller then posts the watch message and
   * {@link schedule}s the first tick, or {@link finish}es the reservation if that fails.
   */
  async reserve(incidentId: string, deadlineAt: number): Promise<string | undefined> {
    const watchId = randomBytes(4).toString('hex');
    const ttlSec = Math.max(60, Math.ceil((deadlineAt - Date.now()) / 1000) + 3600);
    const won = await this.redis.set(this.stateKey(incidentId), `active:${watchId}`, 'EX', ttlSec, 'NX');
    return won === 'OK' ? watchId : undefined;
  }

  /** Cancels the running watch; false when none runs. A new watch can be started right after. */
  async cancel(incidentId: string): Promise<boolean> {
    const was = await this.redis.eval(DELETE_IF_ACTIVE, 1, this.stateKey(incidentId), '');
    if (typeof was !== 'string') return false;
    const watchId = was.slice('active:'.length);
    // The next tick is a delayed job: remove it. A tick running right now re-reads the state.
    const delayed = await this.queue.getDelayed();
    await Promise.all(
      delayed.filter((j) => j.data.watchId === watchId).map((j) => j.remove().catch(() => {})),
    );
    return true;
  }

  /** Does any watch run in this incident's thread? */
  async isWatched(incidentId: string): Promise<boolean> {
    return ((await this.redis.get(this.stateKey(incidentId))) ?? '').startsWith('active:');
  }

  /** Is this very watch still the active one? (A cancelled watch's late tick must not carry on.) */
  async isActive(incidentId: string, watchId: string): Promise<boolean> {
    return (await this.redis.get(this.stateKey(incidentId))) === `active:${watchId}`;
  }

  /** Ends this watch (reached, timed out, or its start failed); leaves a newer watch alone. */
  async finish(incidentId: string, watchId: string): Promise<void> {
    await this.redis.eval(DELETE_IF_ACTIVE, 1, this.stateKey(incidentId), `active:${watchId}`);
  }

  async schedule(data: WatchJobData, delayMs: number): Promise<void> {
    // One job id per tick: a retried or duplicated enqueue can never double a reading.
    await this.queue.add('tick', data, {
      jobId: `watch-${data.incidentId}-${data.watchId}-${data.tick}`,
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

/**
 * One tick: read memory, tell the thread, then stop or schedule the next tick. A failure to read
 * Redis or to post to Slack counts as a failed tick, never as a dead watch: the next tick is
 * scheduled unless the watch ends, so a thread is never left "watched" by nothing.
 */
export async function runWatchTick(
  data: WatchJobData,
  deps: WatchProcessorDeps,
): Promise<'next' | WatchEnd | 'cancelled'> {
  const { service, reporter } = deps;
  if (!(await service.isActive(data.incidentId, data.watchId))) return 'cancelled';
  const now = deps.now ?? Date.now;
  const target = deps.target(data.cluster);
  let report: StatusReport | undefined;
  let failures = data.failures;
  try {
    if (!target) throw new MedicError(ErrorCode.UnknownCluster, { name: data.cluster });
    // Live INFO. CloudWatch is not asked (it lags by minutes and costs per call); a cluster without
    // it gets the slope from the bot's own samples: one read on the queue Redis, no lag.
    report = await checkStatus(
      target,
      target.aws ? { ...deps.status, trend: undefined } : { ...deps.status, windowHours: 1 },
    );
  } catch (err) {
    failures += 1;
    await quietly(() => reporter.failed(data, asMedicError(err)));
  }
  // A Cancel pressed while we were reading wins over everything below.
  if (!(await service.isActive(data.incidentId, data.watchId))) return 'cancelled';

  const pct = report?.redis.memoryPct ?? null;
  if (report && (await quietly(() => reporter.reading(data, report)))) failures = 0;
  else if (report) failures += 1;

  let end: WatchEnd | undefined;
  if (report && pct === null) end = 'no_limit';
  else if (pct !== null && pct < data.targetPct) end = 'reached';
  else if (failures >= MAX_FAILURES) end = 'failing';
  else if (now() + data.intervalMs > data.deadlineAt) end = 'timeout';
  if (end) {
    await endWatch(data, end, deps, report);
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

/** Frees the thread for a new watch first, then tells people; a Slack error can't undo the first. */
export async function endWatch(
  data: WatchJobData,
  end: WatchEnd,
  deps: Pick<WatchProcessorDeps, 'service' | 'reporter' | 'incidents' | 'now'>,
  report?: StatusReport,
): Promise<void> {
  await deps.service.finish(data.incidentId, data.watchId);
  await quietly(() => deps.reporter.finished(data, end, report));
  await quietly(async () =>
    deps.incidents?.append(data.incidentId, {
      at: new Date((deps.now ?? Date.now)()).toISOString(),
      kind: 'watch_ended',
      data: { end, memoryPct: report?.redis.memoryPct ?? null, targetPct: data.targetPct },
    }),
  );
}

/** Runs a side effect whose failure must not stop the watch; true when it worked. */
async function quietly(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch {
    return false;
  }
}

export function createWatchWorker(
  connection: Redis,
  prefix: string,
  deps: WatchProcessorDeps,
  concurrency = 4,
): Worker<WatchJobData> {
  const worker = new Worker<WatchJobData>(
    WATCH_QUEUE,
    async (job: Job<WatchJobData>) => runWatchTick(job.data, deps),
    { connection, prefix, concurrency },
  );
  // A tick that failed outright (queue Redis hiccup, stalled twice) has no successor: end the
  // watch visibly instead of leaving the thread marked as watched.
  worker.on('failed', (job) => {
    if (job) void endWatch(job.data, 'failing', deps).catch(() => {});
  });
  return worker;
}
