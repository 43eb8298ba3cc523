/**
 * A TTL-run worker in its own process, for the kill -9 test: the real job, the real engine, BullMQ
 * on the queue Redis, the audit log there too. Run with `node --import tsx`; configured by the
 * TTL_WORKER environment variable (JSON, {@link TtlWorkerProcessConfig}). Prints one JSON line per
 * event on stdout: `{"event":"ready"}` once the worker listens, then what the reporter is told.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlRunReporter,
  TtlRunService,
} from '../../src/jobs/ttl-job.js';
import type { EngineThrottle } from '../../src/remediation/engine.js';

export interface TtlWorkerProcessConfig {
  queueUrl: string;
  prefix: string;
  targetUrl: string;
  throttle?: EngineThrottle | false;
  /** Short, so the test does not wait long for the stalled check after the kill. */
  lockDuration: number;
  stalledInterval: number;
}

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

async function main(): Promise<void> {
  const config = JSON.parse(process.env.TTL_WORKER ?? '') as TtlWorkerProcessConfig;
  const queueRedis = new Redis(config.queueUrl, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(config.queueUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix: config.prefix });
  const audit = new AuditLog(storeRedis, { prefix: config.prefix });
  const service = new TtlRunService(queue, storeRedis, config.prefix, { audit });
  const reporter: TtlRunReporter = {
    async start(data) {
      emit({ event: 'start', runId: data.runId });
      return `ts-${data.runId}`;
    },
    progress(data, view) {
      emit({ event: 'progress', runId: data.runId, state: view.state, counters: view.counters });
    },
    async finished(data, summary) {
      emit({ event: 'finished', runId: data.runId, outcome: summary.outcome, counters: summary.counters });
    },
  };
  const worker = createTtlWorker(
    queueRedis.duplicate(),
    config.prefix,
    {
      service,
      reporter,
      audit,
      target: () => ({ name: 'target', url: config.targetUrl, mode: 'standalone' }),
      ...(config.throttle !== undefined ? { throttle: config.throttle } : {}),
      pollMs: 200,
    },
    { lockDuration: config.lockDuration, stalledInterval: config.stalledInterval },
  );
  worker.on('error', (err) => emit({ event: 'error', message: err.message }));
  await worker.waitUntilReady();
  emit({ event: 'ready', pid: process.pid });
  process.on('SIGTERM', () => {
    void worker
      .close()
      .then(() => queue.close())
      .finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  emit({ event: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
