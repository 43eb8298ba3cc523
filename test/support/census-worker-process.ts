/**
 * A census worker in its own process, for the kill -9 tests: the real census job (walker, pattern
 * table, checkpoints, reservation heartbeat) on BullMQ, reporting through the real Slack reporter
 * to the fake Slack Web API. Run with `node --import tsx`; configured by the CENSUS_WORKER
 * environment variable (JSON, {@link CensusWorkerProcessConfig}). Prints `{"event":"ready"}` once
 * the worker listens.
 */
import { webApi } from '@slack/bolt';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SnapshotStore } from '../../src/census/snapshot-store.js';
import { createI18n } from '../../src/i18n/index.js';
import {
  CENSUS_QUEUE,
  type CensusJobData,
  CensusService,
  type CensusWorkerOptions,
  createCensusWorker,
} from '../../src/jobs/census-job.js';
import { silentLogger } from '../../src/observability/logger.js';
import { slackCensusReporter } from '../../src/slack/census-reporter.js';

export interface CensusWorkerProcessConfig {
  queueUrl: string;
  prefix: string;
  targetUrl: string;
  slackApiUrl: string;
  /** BullMQ lock settings; left out: the production defaults. */
  worker?: CensusWorkerOptions;
  checkpointEveryMs?: number;
}

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

async function main(): Promise<void> {
  const config = JSON.parse(process.env.CENSUS_WORKER ?? '') as CensusWorkerProcessConfig;
  const queueRedis = new Redis(config.queueUrl, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(config.queueUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue<CensusJobData>(CENSUS_QUEUE, { connection: queueRedis, prefix: config.prefix });
  const service = new CensusService(queue, storeRedis, config.prefix);
  const client = new webApi.WebClient('xoxb-test', {
    slackApiUrl: config.slackApiUrl,
    retryConfig: { retries: 0 },
  });
  const worker = createCensusWorker(
    queueRedis.duplicate(),
    config.prefix,
    {
      service,
      store: new SnapshotStore(storeRedis, { prefix: config.prefix }),
      reporter: slackCensusReporter(client, createI18n({ strict: true }), silentLogger()),
      target: () => ({ name: 'market', url: config.targetUrl, mode: 'standalone' }),
      progressEveryMs: 500,
      ...(config.checkpointEveryMs !== undefined ? { checkpointEveryMs: config.checkpointEveryMs } : {}),
    },
    config.worker ?? {},
  );
  worker.on('error', (err) => emit({ event: 'error', message: err.message }));
  await worker.waitUntilReady();
  emit({ event: 'ready', pid: process.pid });
}

main().catch((err: unknown) => {
  emit({ event: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
