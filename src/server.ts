import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { findCluster } from './config/load.js';
import type { MedicConfig } from './config/types.js';
import { createI18n, type I18n } from './i18n/index.js';
import { IncidentStore } from './incidents/incident-store.js';
import { createWatchWorker, WATCH_QUEUE, type WatchJobData, WatchService } from './jobs/watch.js';
import type { Logger } from './observability/logger.js';
import { redact } from './redis/errors.js';
import { createSlackApp, type SlackAppOptions } from './slack/app.js';
import { slackWatchReporter } from './slack/watch-reporter.js';
import type { TrendProvider } from './status/check-status.js';
import { cloudWatchTrendProvider } from './status/trend-providers.js';

export interface ServerOptions {
  config: MedicConfig;
  logger: Logger;
  slack: Omit<SlackAppOptions, 'health'>;
  /** Defaults to CloudWatch; the demo and tests swap it. */
  trend?: TrendProvider;
  i18n?: I18n;
  /** Per-Redis-call timeouts for status checks. */
  connectTimeoutMs?: number;
}

export interface RunningServer {
  port: number;
  services: { incidents: IncidentStore; watches: WatchService };
  stop(): Promise<void>;
}

/**
 * The composition root of `redis-medic serve`: config → queue Redis → incidents, queue, worker →
 * Slack app. Everything is built here and nowhere else, so tests can start the real thing.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const i18n = options.i18n ?? createI18n();
  // BullMQ needs maxRetriesPerRequest: null on its connections (blocking commands).
  const queueRedis = new Redis(config.queue.url, { maxRetriesPerRequest: null, lazyConnect: true });
  queueRedis.on('error', (err) => logger.warn({ err: redact(err.message) }, 'queue redis error'));
  await queueRedis.connect();
  await warnIfQueueRedisEvicts(queueRedis, logger);

  const prefix = config.queue.prefix;
  const incidents = new IncidentStore(queueRedis, { prefix, idleHours: config.incidents.idleHours });
  const watchQueue = new Queue<WatchJobData>(WATCH_QUEUE, { connection: queueRedis, prefix });
  const watches = new WatchService(watchQueue, queueRedis, prefix);
  const status = {
    trend: options.trend ?? cloudWatchTrendProvider(),
    ...(options.connectTimeoutMs ? { connect: { connectTimeoutMs: options.connectTimeoutMs } } : {}),
  };
  const cluster = (name: string) => findCluster(config, name);

  const slack = createSlackApp(
    {
      ...options.slack,
      health: async () => {
        const queue = await queueRedis
          .ping()
          .then(() => 'up')
          .catch(() => 'down');
        return { ok: queue === 'up', queue };
      },
    },
    { config, i18n, logger, status, incidents, watches, cluster },
  );
  const workerConnection = queueRedis.duplicate();
  const worker = createWatchWorker(workerConnection, prefix, {
    service: watches,
    incidents,
    reporter: slackWatchReporter(slack.app.client, i18n),
    target: cluster,
    status,
  });
  worker.on('failed', (job, err) =>
    logger.error({ job: job?.id, err: redact(err.message) }, 'watch tick failed'),
  );

  const closeBackground = async () => {
    await worker.close().catch(() => {});
    await watchQueue.close().catch(() => {});
    workerConnection.disconnect();
    await queueRedis.quit().catch(() => queueRedis.disconnect());
  };
  let port: number;
  try {
    ({ port } = await slack.start());
  } catch (err) {
    // Port taken, bad app token…: don't leave the worker and connections holding the process open.
    await closeBackground();
    throw err;
  }
  logger.info(
    {
      port,
      mode: options.slack.appToken ? 'socket' : 'http',
      slackApiUrl: options.slack.slackApiUrl ?? 'https://slack.com/api/',
      clusters: config.clusters.map((c) => c.name),
    },
    'redis-medic started',
  );

  let stopped = false;
  return {
    port,
    services: { incidents, watches },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Stop taking requests first, then let a running tick finish, then drop connections.
      await slack.stop().catch(() => {});
      await closeBackground();
    },
  };
}

/** BullMQ data must never be evicted (design notes): say so loudly at start, but keep running. */
async function warnIfQueueRedisEvicts(redis: Redis, logger: Logger): Promise<void> {
  const info = await redis.info('memory').catch(() => '');
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy && policy !== 'noeviction') {
    logger.warn(
      { policy },
      'queue redis maxmemory-policy is not noeviction: jobs and incidents may be evicted',
    );
  }
}
