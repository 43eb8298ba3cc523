import { type Job, type Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { runCensus } from '../census/run-census.js';
import type { SnapshotStore } from '../census/snapshot-store.js';
import type { CensusResult, WalkProgress } from '../census/types.js';
import { ErrorCode, isMedicError, MedicError } from '../errors.js';
import type { Lang } from '../i18n/types.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import { connectTarget, type RedisTarget } from '../redis/connect.js';
import { redact } from '../redis/errors.js';

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
}

/**
 * One census per cluster at a time, cancellable from any replica: the running flag and the cancel
 * request both live on the queue Redis, and the worker that runs the walk polls the latter.
 */
export class CensusService {
  constructor(
    private readonly queue: Queue<CensusJobData>,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Reserves the cluster; false when a census of it is already queued or running. */
  async reserve(cluster: string): Promise<boolean> {
    return (await this.redis.set(this.runningKey(cluster), '1', 'EX', 6 * 3600, 'NX')) === 'OK';
  }

  async release(cluster: string): Promise<void> {
    await this.redis.del(this.runningKey(cluster), this.cancelKey(cluster));
  }

  async enqueue(data: CensusJobData): Promise<void> {
    await this.queue.add('census', data, {
      jobId: censusJobId(data.cluster, data.progressTs),
      // A killed worker's census restarts from the top on another worker (a walk is read-only).
      attempts: 2,
      removeOnComplete: 50,
      removeOnFail: 50,
    });
  }

  /** The queued or running census whose progress message has this ts: who asked, in which channel. */
  async jobFor(cluster: string, progressTs: string): Promise<CensusJobData | undefined> {
    const job = await this.queue.getJob(censusJobId(cluster, progressTs));
    if (!job || job.data.cluster !== cluster) return undefined;
    // A finished census's message must not reach the next census of the cluster (maybe elsewhere).
    const state = await job.getState();
    return state === 'completed' || state === 'failed' ? undefined : job.data;
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
}

/** One job per progress message: a button on that message finds its census by it. */
function censusJobId(cluster: string, progressTs: string): string {
  return `census-${cluster}-${progressTs.replace('.', '')}`;
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
}

export async function runCensusJob(data: CensusJobData, deps: CensusJobDeps): Promise<'done' | 'cancelled'> {
  const { service, reporter } = deps;
  const target = deps.target(data.cluster);
  const abort = new AbortController();
  let scanned = 0;
  let lastPost = 0;
  const every = deps.progressEveryMs ?? 4000;
  try {
    if (!target) throw new MedicError(ErrorCode.UnknownCluster, { name: data.cluster });
    const conn = await connectTarget(target);
    let result: CensusResult;
    try {
      result = await runCensus(conn, {
        cluster: data.cluster,
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
    if (abort.signal.aborted) {
      await reporter.cancelled(data, scanned, String(abort.signal.reason));
      return 'cancelled';
    }
    const error = isMedicError(err)
      ? err
      : new MedicError(ErrorCode.Unexpected, { detail: redact(String(err)).slice(0, 200) }, String(err));
    await reporter.failed(data, error);
    await deps.incidents?.append(
      data.incidentId,
      event('census_failed', data.requestedBy, { code: error.code }),
    );
    // Reported already; a retry would only repeat the failure in the thread.
    throw new UnrecoverableError(error.message);
  } finally {
    await service.release(data.cluster);
  }
}

function event(kind: string, actor: string, data: Record<string, string | number | boolean>) {
  return { at: new Date().toISOString(), kind, actor, data };
}

export function createCensusWorker(
  connection: Redis,
  prefix: string,
  deps: CensusJobDeps,
): Worker<CensusJobData> {
  // One walk at a time per process: a census is CPU-bound on the client and must not starve Slack.
  return new Worker<CensusJobData>(
    CENSUS_QUEUE,
    async (job: Job<CensusJobData>) => runCensusJob(job.data, deps),
    {
      connection,
      prefix,
      concurrency: 1,
      // A long page loop can delay lock renewal; a generous lock avoids a false "stalled" re-run.
      lockDuration: 120_000,
    },
  );
}
