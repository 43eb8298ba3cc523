/**
 * A TTL run job held by the memory guard says so: the progress message in the incident thread
 * shows the memory pause at once, the log gets an entry, and a pause past its timeout ends the run
 * as failed with the localized memory_guard_timeout reason, its checkpoint kept. Real target
 * (small maxmemory, 93 % full, allkeys-lru), real queue Redis and BullMQ worker, the Slack reporter
 * against the fake Slack Web API; the job runs unthrottled, and still nothing is evicted.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { createTtlWorker, TTL_RUN_QUEUE, type TtlJobData, TtlRunService } from '../../src/jobs/ttl-job.js';
import { createLogger } from '../../src/observability/logger.js';
import { slackTtlRunReporter } from '../../src/slack/ttl-reporter.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';
import { blocksOf, textOf } from '../support/medic-harness.js';
import { type FakeSlackApi, startFakeSlackApi } from '../support/slack/fake-slack-api.js';
import { setMissingRule } from '../support/ttl-dataset.js';
import { waitFor } from '../support/wait-for.js';

const KEYS = 120_000;
/** The run gives up when memory stays above the guard this long. */
const GUARD_TIMEOUT_MS = 2_000;
/** The walk up to the guard, the guard's wait, and the end-state reads: two passes and the timeout. */
const TEST_BUDGET_MS = GUARD_TIMEOUT_MS + budgetMs(KEYS * 2);

function field(info: string, name: string): number {
  return Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
}

describe('a TTL run job under the memory guard', () => {
  let target: LocalRedis;
  let queueServer: LocalRedis;
  let admin: Redis;
  let fake: FakeSlackApi;

  // The target redis-server, its client and the queue's redis-server come from the shared fixtures.
  test.beforeAll(async ({ localRedis, admin: client, queueRedis }) => {
    target = localRedis;
    queueServer = queueRedis;
    admin = client;
    fake = await startFakeSlackApi();
    const value = 'v'.repeat(40);
    for (let i = 0; i < KEYS; i += 2_000) {
      const args: string[] = [];
      for (let j = i; j < i + 2_000; j++) args.push(`fill:${j}`, value);
      await admin.mset(...args);
    }
    await admin.config('RESETSTAT');
    const used = field(await admin.info('memory'), 'used_memory');
    await admin.config('SET', 'maxmemory', String(Math.ceil(used / 0.93)));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
  }, budgetMs(KEYS));

  afterAll(async () => {
    await fake?.close();
  });

  it(
    'posts the memory pause in the thread, logs it, and fails with memory_guard_timeout; nothing evicted',
    async () => {
      const prefix = `g-${randomUUID().slice(0, 8)}`;
      const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
      const workerRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
      const audit = new AuditLog(storeRedis, { prefix });
      const service = new TtlRunService(queue, storeRedis, prefix, { audit });
      const logLines: string[] = [];
      const logger = createLogger({
        level: 'info',
        destination: new Writable({
          write(chunk: Buffer, _enc, done) {
            logLines.push(chunk.toString());
            done();
          },
        }),
      });
      const client = new webApi.WebClient('xoxb-test', {
        slackApiUrl: fake.url,
        retryConfig: { retries: 0 },
        logLevel: webApi.LogLevel.ERROR,
      });
      const reporter = slackTtlRunReporter(client, createI18n({ strict: true }), { minIntervalMs: 60_000 });
      const worker = createTtlWorker(
        workerRedis,
        prefix,
        {
          service,
          audit,
          reporter,
          logger,
          target: (name) => (name === 'target' ? { name, url: target.url, mode: 'standalone' } : undefined),
          throttle: false,
          memoryGuard: { timeoutMs: GUARD_TIMEOUT_MS },
          pollMs: 200,
        },
        { lockDuration: 10_000, stalledInterval: 1_000 },
      );
      const runId = `guard-${randomUUID().slice(0, 6)}`;
      try {
        await service.enqueue({
          runId,
          cluster: 'target',
          rule: setMissingRule('fill:*', 'fill-ttl'),
          dryRunId: `dry-${runId}`,
          requestedBy: 'UREQ',
          approvedBy: 'UAPP',
          incidentId: 'inc-1',
          channel: 'C1',
          threadTs: '1700000000.000001',
          lang: 'en',
        });
        await waitFor(
          'the run to fail',
          async () => ((await service.state(runId))?.status === 'failed' ? true : undefined),
          GUARD_TIMEOUT_MS + budgetMs(KEYS),
        );
        const texts = fake.calls
          .filter((c) => c.status === 200 && (c.method === 'chat.update' || c.method === 'chat.postMessage'))
          .map((c) => `${String(c.body.text ?? '')}\n${textOf(blocksOf(c))}`);
        expect(texts.some((t) => t.includes("the server's memory use is above its guard"))).toBe(true);
        expect(texts.some((t) => t.includes('stayed above the memory guard'))).toBe(true);
        expect(
          logLines.some((l) => l.includes('ttl run paused by its guard') && l.includes('"guard":"memory"')),
        ).toBe(true);
        const job = await queue.getJob(runId);
        expect(job?.data.checkpoint?.counters.scanned).toBeGreaterThan(0);
        expect(field(await admin.info('stats'), 'evicted_keys')).toBe(0);
        expect(await admin.dbsize()).toBe(KEYS);
        const entries = (await audit.list({ limit: 100 })).filter((e) => e.runId === runId);
        expect(entries.some((e) => e.action === 'run_failed' && e.reason === 'memory_guard_timeout')).toBe(
          true,
        );
      } finally {
        await worker.close();
        workerRedis.disconnect();
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close().catch(() => {});
        queueRedis.disconnect();
        storeRedis.disconnect();
      }
    },
    TEST_BUDGET_MS,
  );
});
