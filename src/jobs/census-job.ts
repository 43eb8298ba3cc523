import { type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type CensusCheckpoint, runCensus } from '../census/run-census.js';
import type { SnapshotStore } from '../census/snapshot-store.js';
import type { CensusResult, WalkProgress } from '../census/types.js';
import { asMedicError, ErrorCode, MedicError } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { luaScript } from '../keyspace/lua.js';
import { connectTarget, type RedisTarget } from '../redis/connect.js';

export const CENSUS_QUEUE = 'census';

export interface CensusJobData {
  cluster: string;
  incidentId: string;
  channel: string;
  threadTs: string;
  /** The one message that shows progress and, at the end, the outcome. */
  progressTs: string;
  requestedBy: string;
  lang: Lang;
  sample?: number;
  match?: string;
  /** Saved every few pages: a worker that takes the job over (the first one died) goes on from it. */
  checkpoint?: CensusCheckpoint;
}

/** The BullMQ job id of a census: one per progress message. */
export function censusJobId(data: Pick<CensusJobData, 'cluster' | 'progressTs'>): string {
  return `census-${data.cluster}-${data.progressTs.replace('.', '')}`;
}

/** How a census reports. The Slack front end implements it; the job knows nothing of Slack. */
export interface CensusReporter {
  progress(data: CensusJobData, progress: WalkProgress): Promise<void>;
  finished(
    data: CensusJobData,
    result: CensusResult,
    snapshotId: string,
    previous?: CensusResult,
  ): Promise<void>;
  cancelled(data: CensusJobData, scanned: number, by: string): Promise<void>;
  failed(data: CensusJobData, error: MedicError): Promise<void>;
  /** The census goes on from a checkpoint after the worker running it stopped; `fraction` 0–1. */
  resumed?(data: CensusJobData, fraction: number): Promise<void>;
  /** The census stops: its worker died and a newer census of the cluster has started since. */
  superseded?(data: CensusJobData): Promise<void>;
}

/** A reservation not yet tied to a job (the progress message is being posted). */
const PENDING = 'pending';
/** How long a reservation may stay pending, and how long a running census's heartbeat lives. */
const PENDING_TTL_SEC = 120;
export const CENSUS_HEARTBEAT_TTL_SEC = 15;
/** Deletes the reservation (and the cancel request) only while it still names this job. */
const RELEASE_IF_OWNER = luaScript('release-if-owner');

/**
 * One census per cluster at a time, cancellable from any replica: the running flag and the cancel
 * request both live on the queue Redis, and the worker that runs the walk polls the latter.
 *
 * The running flag names the census's job, and a running census keeps a short heartbeat key alive:
 * a flag whose job is gone, finished, or active without a heartbeat (its worker was killed) does
 * not hold the cluster, so a new census can start within seconds instead of waiting for BullMQ's
 * lock to expire. The dead census, if a worker later picks it up again, sees the flag is no longer
 * its own and stops.
 */
export class CensusService {
  constructor(
    private readonly queue: Queue<CensusJobData>,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Reserves the cluster; false when a census of it is already queued or running. */
  async reserve(cluster: string): Promise<boolean> {
    const key = this.runningKey(cluster);
    const take = async () => (await this.redis.set(key, PENDING, 'EX', PENDING_TTL_SEC, 'NX')) === 'OK';
    if (await take()) return true;
    const holder = await this.redis.get(key);
    if (holder === null) return take();
    if (holder === PENDING || !(await this.isDead(holder))) return false;
    await this.releaseFor(cluster, holder);
    return take();
  }

  /** Releases the reservation whoever holds it (a request that failed before its job existed). */
  async release(cluster: string): Promise<void> {
    await this.redis.del(this.runningKey(cluster), this.cancelKey(cluster));
  }

  /** Releases the reservation only while it is this job's. */
  async releaseFor(cluster: string, jobId: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_OWNER, 2, this.runningKey(cluster), this.cancelKey(cluster), jobId);
  }

  async enqueue(data: CensusJobData): Promise<void> {
    const jobId = censusJobId(data);
    // Named before the job exists: a worker may pick it up at once and checks the name first.
    await this.redis.set(this.runningKey(data.cluster), jobId, 'EX', 6 * 3600, 'XX');
    await this.queue.add('census', data, {
      jobId,
      // A failed attempt goes on from its checkpoint on another worker (a walk is read-only).
      attempts: 2,
      removeOnComplete: 50,
      removeOnFail: 50,
    });
  }

  /** The queued or running census whose progress message has this ts: who asked, in which channel. */
  async jobFor(cluster: string, progressTs: string): Promise<CensusJobData | undefined> {
    const job = await this.queue.getJob(censusJobId({ cluster, progressTs }));
    if (!job || job.data.cluster !== cluster) return undefined;
    // A finished census's message must not reach the next census of the cluster (maybe elsewhere).
    const state = await job.getState();
    return state === 'completed' || state === 'failed' ? undefined : job.data;
  }

  /** True while the reservation is this job's (the running census checks it as it goes). */
  async holds(cluster: string, jobId: string): Promise<boolean> {
    return (await this.redis.get(this.runningKey(cluster))) === jobId;
  }

  /** The running census says it is alive. */
  async heartbeat(jobId: string): Promise<void> {
    await this.redis.set(this.heartbeatKey(jobId), '1', 'EX', CENSUS_HEARTBEAT_TTL_SEC);
  }

  async stopHeartbeat(jobId: string): Promise<void> {
    await this.redis.del(this.heartbeatKey(jobId));
  }

  /** A reservation's job that can no longer run: gone, finished, or active without a heartbeat. */
  private async isDead(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job) return true;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed' || state === 'unknown') return true;
    if (state !== 'active') return false;
    // Just picked up: its first heartbeat may not be written yet.
    if (job.processedOn !== undefined && Date.now() - job.processedOn < CENSUS_HEARTBEAT_TTL_SEC * 1000) {
      return false;
    }
    return (await this.redis.exists(this.heartbeatKey(jobId))) === 0;
  }

  /** Asks the running census to stop; true when one was running. */
  async requestCancel(cluster: string, by: string): Promise<boolean> {
    if (!(await this.redis.exists(this.runningKey(cluster)))) return false;
    await this.redis.set(this.cancelKey(cluster), by, 'EX', 3600);
    return true;
  }

  async cancelRequestedBy(cluster: string): Promise<string | null> {
    return this.redis.get(this.cancelKey(cluster));
  }

  private runningKey(cluster: string): string {
    return `${this.prefix}:census-running:${cluster}`;
  }
  private cancelKey(cluster: string): string {
    return `${this.prefix}:census-cancel:${cluster}`;
  }
  private heartbeatKey(jobId: string): string {
    return `${this.prefix}:census-alive:${jobId}`;
  }
}

export interface CensusJobDeps {
  service: CensusService;
  store: SnapshotStore;
  reporter: CensusReporter;
  incidents?: IncidentStore;
  target(cluster: string): RedisTarget | undefined;
  /** Configured TTL-rule globs for a cluster (they name patterns better than inference). */
  rules?(cluster: string): { pattern: string }[];
  /** Progress is posted at most this often (Slack: chat.update is ~50/min per workspace). @defaultValue 4000 */
  progressEveryMs?: number;
  /** A checkpoint is saved at most this often. @defaultValue 2000 */
  checkpointEveryMs?: number;
}

/** How the job keeps its checkpoint: BullMQ's `job.updateData` in the worker. */
export interface CensusJobContext {
  jobId: string;
  saveCheckpoint(data: CensusJobData): Promise<void>;
}

export async function runCensusJob(
  data: CensusJobData,
  deps: CensusJobDeps,
  context: CensusJobContext = { jobId: censusJobId(data), saveCheckpoint: async () => {} },
): Promise<'done' | 'cancelled' | 'superseded'> {
  const { service, reporter } = deps;
  const { jobId } = context;
  const superseded = async () => {
    await reporter.superseded?.(data).catch(() => {});
    return 'superseded' as const;
  };
  // Its worker died and a newer census of the cluster took the reservation over: leave it that one.
  if (!(await service.holds(data.cluster, jobId))) return superseded();
  const target = deps.target(data.cluster);
  const abort = new AbortController();
  let scanned = data.checkpoint?.scanned ?? 0;
  let lastPost = 0;
  const every = deps.progressEveryMs ?? 4000;
  const beat = () =>
    service
      .heartbeat(jobId)
      .then(() => service.holds(data.cluster, jobId))
      .then((held) => {
        if (!held) abort.abort('superseded');
      })
      .catch(() => {});
  await beat();
  const heartbeat = setInterval(beat, (CENSUS_HEARTBEAT_TTL_SEC * 1000) / 3);
  try {
    if (!target) throw new MedicError(ErrorCode.UnknownCluster, { name: data.cluster });
    const resume = data.checkpoint;
    if (resume) {
      const fraction = resume.total > 0 ? Math.min(1, resume.scanned / resume.total) : 0;
      await reporter.resumed?.(data, fraction).catch(() => {});
    }
    const conn = await connectTarget(target);
    let result: CensusResult;
    try {
      result = await runCensus(conn, {
        cluster: data.cluster,
        ...(resume ? { resume } : {}),
        onCheckpoint: (checkpoint) => context.saveCheckpoint({ ...data, checkpoint }).catch(() => {}),
        ...(deps.checkpointEveryMs ? { checkpointEveryMs: deps.checkpointEveryMs } : {}),
        ...(data.sample ? { sample: data.sample } : {}),
        ...(data.match ? { match: data.match } : {}),
        ...(deps.rules ? { rules: deps.rules(data.cluster) } : {}),
        signal: abort.signal,
        progressEveryMs: Math.min(every, 2000),
        onProgress: (p) => {
          scanned = p.scanned;
          void service.cancelRequestedBy(data.cluster).then((by) => {
            if (by) abort.abort(by);
          });
          if (Date.now() - lastPost >= every) {
            lastPost = Date.now();
            void reporter.progress(data, p).catch(() => {});
          }
        },
      });
    } finally {
      await conn.close();
    }
    if (abort.signal.reason === 'superseded') return superseded();
    if (abort.signal.aborted) {
      await reporter.cancelled(data, scanned, String(abort.signal.reason));
      await deps.incidents?.append(
        data.incidentId,
        event('census_cancelled', String(abort.signal.reason), { scanned }),
      );
      return 'cancelled';
    }
    const previous = await deps.store
      .list(data.cluster, 1)
      .then((l) => (l[0] ? deps.store.get(data.cluster, l[0].id) : undefined));
    const snapshotId = await deps.store.save(result);
    await reporter.finished(data, result, snapshotId, previous);
    await deps.incidents?.append(
      data.incidentId,
      event('census', data.requestedBy, {
        snapshot: snapshotId,
        keys: result.totalKeys,
        keysWithoutTtl: result.totalKeysWithoutTtl,
        bytes: result.totalBytes,
        sampled: result.sampled,
      }),
    );
    return 'done';
  } catch (err) {
    if (abort.signal.reason === 'superseded') return superseded();
    if (abort.signal.aborted) {
      await reporter.cancelled(data, scanned, String(abort.signal.reason));
      return 'cancelled';
    }
    const error = asMedicError(err);
    await reporter.failed(data, error);
    await deps.incidents?.append(
      data.incidentId,
      event('census_failed', data.requestedBy, { code: error.code }),
    );
    // Reported already; a retry would only repeat the failure in the thread.
    throw new UnrecoverableError(error.message);
  } finally {
    clearInterval(heartbeat);
    await service.stopHeartbeat(jobId).catch(() => {});
    await service.releaseFor(data.cluster, jobId);
  }
}

function event(kind: string, actor: string, data: Record<string, string | number | boolean>) {
  return { at: new Date().toISOString(), kind, actor, data };
}

/** BullMQ lock settings: tests shorten them so a killed worker's census is taken over quickly. */
export interface CensusWorkerOptions {
  /** @defaultValue 30000 */
  lockDuration?: number;
  /** @defaultValue 15000 */
  stalledInterval?: number;
}

export function createCensusWorker(
  connection: Redis,
  prefix: string,
  deps: CensusJobDeps,
  options: CensusWorkerOptions = {},
): Worker<CensusJobData> {
  // One walk at a time per process: a census is CPU-bound on the client and must not starve Slack.
  return new Worker<CensusJobData>(
    CENSUS_QUEUE,
    async (job: Job<CensusJobData>) =>
      runCensusJob(job.data, deps, {
        jobId: job.id ?? censusJobId(job.data),
        saveCheckpoint: (next) => job.updateData(next),
      }),
    {
      connection,
      prefix,
      concurrency: 1,
      // A page is one short script call, so the lock is renewed on time; a killed worker's census
      // is re-queued by the stalled check soon after the lock expires and goes on from its checkpoint.
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 15_000,
      maxStalledCount: 3,
    },
  );
}
