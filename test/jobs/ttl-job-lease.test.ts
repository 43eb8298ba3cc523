/**
 * The TTL run job and the cluster's run lease, on real redis-servers and real BullMQ: an approved
 * run whose cluster another run holds (a CLI `ttl run`, say) waits in the queue, unclaimed and
 * writing nothing, and runs once the lease is released; a resumed job (same run id, its lease left
 * behind by a killed worker) takes its own lease back instead of waiting for itself.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect } from 'vitest';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlRunReporter,
  type TtlRunRequest,
  TtlRunService,
} from '../../src/jobs/ttl-job.js';
import { RunLease } from '../../src/remediation/run-lease.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';
import {
  checkSetMissingEndState,
  countWithout,
  loadTtlDataset,
  setMissingRule,
  type TtlDataset,
} from '../support/ttl-dataset.js';
import { waitFor } from '../support/wait-for.js';

const MATCHING = 5_000;
const OTHER = 500;

let target: LocalRedis;
let queueServer: LocalRedis;
let targetClient: Redis;

test.beforeAll(({ localRedis, admin, queueRedis }) => {
  target = localRedis;
  queueServer = queueRedis;
  targetClient = admin;
});

const reporter: TtlRunReporter = {
  start: async (d) => `ts-${d.runId}`,
  progress: () => {},
  finished: async () => {},
};

function runRequest(runId: string, data: TtlDataset): TtlRunRequest {
  return {
    runId,
    cluster: 'target',
    rule: setMissingRule(data.pattern, 'lease-rule'),
    dryRunId: `dry-${runId}`,
    requestedBy: 'UREQ',
    approvedBy: 'UAPP',
    incidentId: 'inc-1',
    channel: 'C1',
    threadTs: '1700000000.000001',
    lang: 'en',
  };
}

/** A queue, its service and one worker on a fresh prefix; `waits` counts the worker's "cluster held" log lines. */
async function setup() {
  const prefix = `l-${randomUUID().slice(0, 8)}`;
  const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
  const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
  const workerRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
  const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
  const audit = new AuditLog(storeRedis, { prefix });
  const service = new TtlRunService(queue, storeRedis, prefix, { audit });
  let waits = 0;
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        if (line.includes('another run holds the cluster')) waits++;
      },
    },
  );
  const worker = createTtlWorker(
    workerRedis,
    prefix,
    {
      service,
      audit,
      reporter,
      logger,
      target: (name) => (name === 'target' ? { name, url: target.url, mode: 'standalone' } : undefined),
      throttle: { keysPerSec: 50_000, pageSize: 200, latencyGuardMs: 1000 },
      pollMs: 200,
      leaseRecheckMs: 100,
    },
    { lockDuration: 10_000, stalledInterval: 1_000 },
  );
  await worker.waitUntilReady();
  return {
    prefix,
    service,
    storeRedis,
    waits: () => waits,
    async close() {
      await worker.close();
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close().catch(() => {});
      for (const c of [queueRedis, storeRedis, workerRedis]) c.disconnect();
    },
  };
}

describe('TTL run job: one run per cluster', () => {
  test(
    "waits, unclaimed and writing nothing, while another run holds the cluster; runs once it's released",
    async () => {
      await targetClient.flushall();
      const data = await loadTtlDataset(targetClient, {
        prefix: 'lease:a:',
        matching: MATCHING,
        other: OTHER,
      });
      const s = await setup();
      try {
        const other = await RunLease.acquire(s.storeRedis, {
          prefix: s.prefix,
          cluster: 'target',
          holder: { owner: 'cli-other-run', startedAt: Date.now(), actor: 'cli:ops', via: 'cli' },
        });
        expect(other.ok).toBe(true);
        const runId = `lease-${randomUUID().slice(0, 8)}`;
        await s.service.enqueue(runRequest(runId, data));
        // The worker has looked at the job, found the cluster held, and looked again: still waiting.
        await waitFor('the worker to find the cluster held twice', () => s.waits() >= 2, budgetMs(0));
        expect((await s.service.state(runId))?.status).toBe('queued');
        expect(await countWithout(targetClient, data)).toBe(data.matchingWithoutTtl);

        if (other.ok) await other.lease.release();
        await waitFor(
          'the run to finish',
          async () => (await s.service.state(runId))?.status === 'done',
          budgetMs((MATCHING + OTHER) * 3),
        );
        expect(await checkSetMissingEndState(targetClient, data, runRequest(runId, data).rule)).toEqual([]);
        expect(await s.storeRedis.keys(`${s.prefix}:ttl-lock:*`)).toEqual([]);
      } finally {
        await s.close();
      }
    },
    budgetMs((MATCHING + OTHER) * 6) + 30_000,
  );

  test(
    'a resumed job takes back the lease its killed predecessor left, and releases it at the end',
    async () => {
      await targetClient.flushall();
      const data = await loadTtlDataset(targetClient, {
        prefix: 'lease:b:',
        matching: MATCHING,
        other: OTHER,
      });
      const s = await setup();
      try {
        const runId = `lease-${randomUUID().slice(0, 8)}`;
        // What a worker killed mid-run leaves: the lease under this run's id, still live.
        const left = await RunLease.acquire(s.storeRedis, {
          prefix: s.prefix,
          cluster: 'target',
          holder: { owner: runId, startedAt: Date.now() - 60_000, actor: 'UAPP', via: 'slack' },
        });
        expect(left.ok).toBe(true);
        await s.service.enqueue(runRequest(runId, data));
        await waitFor(
          'the run to finish',
          async () => (await s.service.state(runId))?.status === 'done',
          budgetMs((MATCHING + OTHER) * 3),
        );
        expect(s.waits()).toBe(0);
        expect(await checkSetMissingEndState(targetClient, data, runRequest(runId, data).rule)).toEqual([]);
        expect(await s.storeRedis.keys(`${s.prefix}:ttl-lock:*`)).toEqual([]);
      } finally {
        await s.close();
      }
    },
    budgetMs((MATCHING + OTHER) * 6) + 30_000,
  );
});
