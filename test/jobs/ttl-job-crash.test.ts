import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { LocalRedis } from '../../src/demo/local-redis.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlRunReporter,
  TtlRunService,
  type TtlRunSummary,
} from '../../src/jobs/ttl-job.js';
import { budgetMs } from '../support/budget.js';
import { test } from '../support/fixtures.js';
import { type JsonLineChild, startJsonLineChild } from '../support/json-line-child.js';
import {
  checkSetMissingEndState,
  countWithout,
  loadTtlDataset,
  setMissingRule,
} from '../support/ttl-dataset.js';
import type { TtlWorkerProcessConfig } from '../support/ttl-worker-process.js';
import { waitFor } from '../support/wait-for.js';

const MATCHING = 100_000;
const OTHER = 20_000;
/** 120 K keys walked at 20 K keys/s: about 6 s, so "half way" is a wide target. */
const THROTTLE = { keysPerSec: 20_000, pageSize: 100, latencyGuardMs: 1000 } as const;
const LOCK_MS = 3_000;
/** Load and the end-state check (two passes each), the walk before and after the kill, the lock. */
const KILL_BUDGET_MS = LOCK_MS + budgetMs((MATCHING + OTHER) * 6);
/** Load, the walk (first worker and the next), the end-state check over 33 000 keys, and slack. */
const TERM_BUDGET_MS = budgetMs(33_000 * 6);

let target: LocalRedis;
let queueServer: LocalRedis;
let targetClient: Redis;

// The target redis-server, its client and the queue's redis-server come from the shared fixtures.
// Each test loads its own keyspace (after a FLUSHALL), so none depends on what another left behind.
test.beforeAll(({ localRedis, admin, queueRedis }) => {
  target = localRedis;
  queueServer = queueRedis;
  targetClient = admin;
});

type Child = JsonLineChild;

function startChildWorker(config: TtlWorkerProcessConfig): Child {
  const script = fileURLToPath(new URL('../support/ttl-worker-process.ts', import.meta.url));
  return startJsonLineChild(['--import', 'tsx', script], { TTL_WORKER: JSON.stringify(config) });
}

describe('TTL run: kill -9 of the worker half way', () => {
  it(
    'is resumed by another worker from the last page: same end state, exact counts, one run',
    async () => {
      await targetClient.flushall();
      const data = await loadTtlDataset(targetClient, {
        prefix: 'crash:sess:',
        matching: MATCHING,
        other: OTHER,
      });
      const prefix = `t-${randomUUID().slice(0, 8)}`;
      const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
      const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
      const audit = new AuditLog(storeRedis, { prefix });
      const service = new TtlRunService(queue, storeRedis, prefix, { audit });
      const rule = setMissingRule(data.pattern);
      const runId = `run-${randomUUID().slice(0, 8)}`;
      let child: Child | undefined;
      let worker: Worker | undefined;
      const workerConnection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      try {
        const enqueued = await service.enqueue({
          runId,
          cluster: 'target',
          rule,
          dryRunId: 'dry-1',
          requestedBy: 'UREQ',
          approvedBy: 'UAPP',
          incidentId: 'inc-1',
          channel: 'C1',
          threadTs: '1.1',
          lang: 'en',
        });
        expect(enqueued.enqueued).toBe(true);

        child = startChildWorker({
          queueUrl: queueServer.url,
          prefix,
          targetUrl: target.url,
          throttle: THROTTLE,
          lockDuration: LOCK_MS,
          stalledInterval: 500,
        });
        await child.ready;

        // Half way: the saved checkpoint has seen about half the matching keys.
        const atKill = await waitFor(
          'the checkpoint to pass half way',
          async () => {
            const job = await queue.getJob(runId);
            const scanned = job?.data.checkpoint?.counters.scanned ?? 0;
            return scanned >= MATCHING / 2 ? job?.data : undefined;
          },
          budgetMs(MATCHING / 2),
        );
        child.proc.kill('SIGKILL');
        await new Promise((r) => child?.proc.once('exit', r));
        const killedAt = Date.now();
        const checkpointAtKill = (await queue.getJob(runId))?.data.checkpoint;
        expect(checkpointAtKill?.counters.scanned ?? 0).toBeLessThan(MATCHING * 0.9);
        // The keyspace is ahead of the saved checkpoint by at most the page in flight (the engine
        // writes a page only after the previous checkpoint was saved).
        const changedAtKill = data.matchingWithoutTtl - (await countWithout(targetClient, data));
        const ahead = changedAtKill - (checkpointAtKill?.counters.changed ?? 0);
        expect(ahead).toBeGreaterThanOrEqual(0);
        expect(ahead).toBeLessThanOrEqual(THROTTLE.pageSize);
        expect(atKill.walking).toBe(true);
        // The dead worker may have written a page past its last checkpoint: nothing else runs now.
        expect(child.events.some((e) => e.event === 'finished')).toBe(false);

        // A new worker (this process) takes over once the dead worker's lock expires.
        const summaries: TtlRunSummary[] = [];
        let resumedAt: number | undefined;
        const reporter: TtlRunReporter = {
          start: async () => 'ts-new',
          progress: () => {},
          finished: async (_d, s) => {
            summaries.push(s);
          },
          resumed: async () => {
            resumedAt ??= Date.now();
          },
        };
        worker = createTtlWorker(
          workerConnection,
          prefix,
          {
            service,
            reporter,
            audit,
            target: () => ({ name: 'target', url: target.url, mode: 'standalone' }),
            throttle: { ...THROTTLE, keysPerSec: 200_000 },
            pollMs: 200,
          },
          { lockDuration: LOCK_MS, stalledInterval: 500 },
        );
        const state = await waitFor(
          'the run to finish',
          async () => {
            const s = await service.state(runId);
            return s && ['done', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
          },
          LOCK_MS + budgetMs((MATCHING + OTHER) * 2),
        );
        expect(state.status).toBe('done');
        // Taken over once the 3 s lock expired, well before BullMQ's default 30 s lock would have: the
        // time to take over, not to walk the rest, so a slow machine's walk does not count here.
        expect(resumedAt).toBeDefined();
        expect((resumedAt as number) - killedAt).toBeLessThan(30_000);

        // End state, key by key, over the whole keyspace.
        expect(await checkSetMissingEndState(targetClient, data, rule)).toEqual([]);
        expect(await targetClient.dbsize()).toBe(MATCHING + OTHER);

        // Counts: exact, as if never interrupted. Pages finished before the kill come from the
        // checkpoint once; the page the dead worker wrote past it is re-applied and its writes are
        // recognised as this run's own (changed, not skipped).
        expect(summaries).toHaveLength(1);
        const summary = summaries[0] as TtlRunSummary;
        expect(summary.outcome).toBe('done');
        expect(summary.counters).toEqual({
          scanned: MATCHING,
          changed: data.matchingWithoutTtl,
          skipped: MATCHING - data.matchingWithoutTtl,
          vanished: 0,
          errors: 0,
        });
        expect(summary.resumes).toBe(1);
        expect(summary.remainingWithoutTtl).toBe(0);
        expect(summary.counters.changed).toBeGreaterThan(checkpointAtKill?.counters.changed ?? 0);

        // One run on record: started once (by the first worker), finished once (by the second).
        const entries = (await audit.list({ limit: 100 })).filter((e) => e.runId === runId);
        expect(entries.filter((e) => e.action === 'run_started')).toHaveLength(1);
        expect(entries.filter((e) => e.action === 'run_finished')).toHaveLength(1);
        expect(entries.find((e) => e.action === 'run_finished')?.counts?.changed).toBe(
          data.matchingWithoutTtl,
        );
        const job = await queue.getJob(runId);
        expect(await job?.getState()).toBe('completed');
        expect(job?.returnvalue).toBe('done');
      } finally {
        if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
        await worker?.close();
        workerConnection.disconnect();
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
        queueRedis.disconnect();
        storeRedis.disconnect();
      }
    },
    KILL_BUDGET_MS,
  );
});

describe('TTL run: SIGTERM of the worker', () => {
  it(
    'stops after its page and goes straight back to the queue: the next worker finishes it without a stall wait',
    async () => {
      await targetClient.flushall();
      const small = await loadTtlDataset(targetClient, {
        prefix: 'term:sess:',
        matching: 30_000,
        other: 3_000,
      });
      const prefix = `t-${randomUUID().slice(0, 8)}`;
      const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
      const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
      const audit = new AuditLog(storeRedis, { prefix });
      const service = new TtlRunService(queue, storeRedis, prefix, { audit });
      const rule = setMissingRule(small.pattern);
      const runId = `term-${randomUUID().slice(0, 8)}`;
      const workerConnection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      let worker: Worker | undefined;
      // Long locks and stall checks: only the graceful hand-back can make this finish in time.
      const child = startChildWorker({
        queueUrl: queueServer.url,
        prefix,
        targetUrl: target.url,
        throttle: { keysPerSec: 10_000, pageSize: 100, latencyGuardMs: 1000 },
        lockDuration: 60_000,
        stalledInterval: 60_000,
      });
      try {
        await child.ready;
        await service.enqueue({
          runId,
          cluster: 'target',
          rule,
          dryRunId: 'dry-1',
          requestedBy: 'UREQ',
          approvedBy: 'UAPP',
          incidentId: 'inc-1',
          channel: 'C1',
          threadTs: '1.1',
          lang: 'en',
        });
        await waitFor(
          'a third of the walk',
          async () => {
            const job = await queue.getJob(runId);
            return (job?.data.checkpoint?.counters.scanned ?? 0) >= 10_000 ? true : undefined;
          },
          budgetMs(10_000),
        );
        const termAt = Date.now();
        child.proc.kill('SIGTERM');
        await new Promise((r) => child.proc.once('exit', r));
        expect(Date.now() - termAt).toBeLessThan(15_000);
        const parked = await queue.getJob(runId);
        expect(['delayed', 'waiting']).toContain(await parked?.getState());
        expect(parked?.data.walking).toBe(false);

        const summaries: TtlRunSummary[] = [];
        worker = createTtlWorker(
          workerConnection,
          prefix,
          {
            service,
            reporter: {
              start: async () => 'ts',
              progress: () => {},
              finished: async (_d, s) => void summaries.push(s),
            },
            audit,
            target: () => ({ name: 'target', url: target.url, mode: 'standalone' }),
            throttle: false,
          },
          { lockDuration: 60_000, stalledInterval: 60_000 },
        );
        await waitFor(
          'the run to finish',
          async () => ((await service.state(runId))?.status === 'done' ? true : undefined),
          budgetMs(33_000 * 2),
        );
        expect(summaries[0]?.counters.changed).toBe(small.matchingWithoutTtl);
        expect(summaries[0]?.resumes).toBe(0); // a clean hand-back, not a crash
        expect(await checkSetMissingEndState(targetClient, small, rule)).toEqual([]);
      } finally {
        if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
        await worker?.close();
        workerConnection.disconnect();
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
        queueRedis.disconnect();
        storeRedis.disconnect();
      }
    },
    TERM_BUDGET_MS,
  );
});
