/**
 * A worker child for the resource test: the real TTL-run worker (BullMQ on the queue Redis, the real
 * job and engine, unthrottled) and, on request, a census of the target (the core census, unthrottled),
 * so the parent can read this process's RSS from /proc after each job. Run with `node --import tsx`;
 * configured by RESOURCE_WORKER (JSON, {@link ResourceWorkerConfig}). Reads one JSON command a line
 * on stdin (`{"cmd":"census"}`); prints one JSON line per event on stdout.
 */
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { runCensus } from '../../src/census/run-census.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { createTtlWorker, TTL_RUN_QUEUE, type TtlJobData, TtlRunService } from '../../src/jobs/ttl-job.js';
import { connectTarget } from '../../src/redis/connect.js';

export interface ResourceWorkerConfig {
  queueUrl: string;
  prefix: string;
  targetUrl: string;
}

const emit = (event: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(event)}\n`);

async function main(): Promise<void> {
  const config = JSON.parse(process.env.RESOURCE_WORKER ?? '') as ResourceWorkerConfig;
  const queueRedis = new Redis(config.queueUrl, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(config.queueUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix: config.prefix });
  const audit = new AuditLog(storeRedis, { prefix: config.prefix });
  const service = new TtlRunService(queue, storeRedis, config.prefix, { audit });
  const target = { name: 'target', url: config.targetUrl, mode: 'standalone' as const };
  const worker = createTtlWorker(queueRedis.duplicate(), config.prefix, {
    service,
    reporter: {
      start: async (data) => `ts-${data.runId}`,
      progress: () => {},
      finished: async (data, summary) => {
        emit({ event: 'ttl', runId: data.runId, outcome: summary.outcome, counters: summary.counters });
      },
    },
    audit,
    target: () => target,
    throttle: false,
  });
  worker.on('error', (err) => emit({ event: 'error', message: err.message }));
  await worker.waitUntilReady();
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const cmd = (JSON.parse(line) as { cmd: string }).cmd;
    if (cmd !== 'census') return;
    void (async () => {
      const conn = await connectTarget(target);
      try {
        const result = await runCensus(conn, { cluster: 'target', throttle: false });
        emit({ event: 'census', keys: result.totalKeys, patterns: result.patterns.length });
      } finally {
        await conn.close();
      }
    })().catch((err: unknown) =>
      emit({ event: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The parent closing stdin is the signal to go.
  lines.on('close', () => {
    void worker.close().finally(() => process.exit(0));
  });
  emit({ event: 'ready', pid: process.pid });
}

main().catch((err: unknown) => {
  emit({ event: 'fatal', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
