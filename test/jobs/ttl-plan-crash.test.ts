/**
 * A whole TTL plan (the runbook's four rules) on the real TTL run job: a worker in its own process
 * walks the plan, is killed with SIGKILL half way, and another worker resumes it from the last saved
 * page. Checked against Redis itself: each rule's keys end with TTLs in the rule's stated range and
 * nothing else changed; each rule's counters (the job's summary and the audit log's run_finished
 * entry for that rule) equal the ground truth exactly; one run_started and one run_finished per rule.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlRunReporter,
  TtlRunService,
  type TtlRunSummary,
} from '../../src/jobs/ttl-job.js';
import { planRuleCounters } from '../../src/remediation/plan/applier.js';
import { planRunRule } from '../../src/remediation/plan/plan-rule.js';
import type { TtlPlanSpec } from '../../src/remediation/plan/types.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { checkPlan, matchingByRule } from '../remediation/plan-truth.js';
import { serverNow, snapshotKeyspace } from '../remediation/support.js';
import { budgetMs } from '../support/budget.js';
import { it } from '../support/fixtures.js';
import { type JsonLineChild, startJsonLineChild } from '../support/json-line-child.js';
import type { TtlWorkerProcessConfig } from '../support/ttl-worker-process.js';
import { waitFor } from '../support/wait-for.js';

const KEYS = 120_000;
/** 120 K keys walked at 20 K keys/s: about 6 s, so "half way" is a wide target. */
const THROTTLE = { keysPerSec: 20_000, pageSize: 100, latencyGuardMs: 1000 } as const;
const LOCK_MS = 3_000;

function startChildWorker(config: TtlWorkerProcessConfig): JsonLineChild {
  const script = fileURLToPath(new URL('../support/ttl-worker-process.ts', import.meta.url));
  return startJsonLineChild(['--import', 'tsx', script], { TTL_WORKER: JSON.stringify(config) });
}

describe('TTL plan run: kill -9 of the worker half way through the one walk', () => {
  it(
    'another worker resumes it: every rule exactly once, per-rule counters equal ground truth',
    async ({ admin, localRedis, queueRedis: queueServer }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      const rules = [...RUNBOOK_RULES];
      const matching = await matchingByRule(admin, rules);
      const before = await snapshotKeyspace(admin);
      const start = await serverNow(admin);

      const prefix = `p-${randomUUID().slice(0, 8)}`;
      const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
      const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
      const audit = new AuditLog(storeRedis, { prefix });
      const service = new TtlRunService(queue, storeRedis, prefix, { audit });
      const runId = `plan-${randomUUID().slice(0, 8)}`;
      const spec: TtlPlanSpec = {
        planId: 'p1',
        rules,
        dryRunIds: rules.map((r) => `dry-${r.name}`),
        expected: rules.map((r) => ({ matched: matching.get(r.name)?.size ?? 0, toChange: 0 })),
      };
      let child: JsonLineChild | undefined;
      let worker: Worker | undefined;
      const workerConnection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      try {
        await service.enqueue({
          runId,
          cluster: 'target',
          rule: planRunRule(spec.planId, rules),
          dryRunId: 'p1',
          requestedBy: 'UREQ',
          approvedBy: 'UAPP',
          incidentId: 'inc-1',
          channel: 'C1',
          threadTs: '1.1',
          lang: 'en',
          plan: spec,
        });
        child = startChildWorker({
          queueUrl: queueServer.url,
          prefix,
          targetUrl: localRedis.url,
          throttle: THROTTLE,
          lockDuration: LOCK_MS,
          stalledInterval: 500,
        });
        await child.ready;
        // Half way through the keyspace (the walk's cursors), with some of every big rule's keys done.
        await waitFor(
          'the plan to pass half way',
          async () => {
            const job = await queue.getJob(runId);
            const counters = planRuleCounters(job?.data.checkpoint, rules.length);
            const done = counters.reduce((s, c) => s + c.scanned, 0);
            const all = [...matching.values()].reduce((s, m) => s + m.size, 0);
            return done >= all / 2 ? true : undefined;
          },
          budgetMs(KEYS),
        );
        child.proc.kill('SIGKILL');
        await new Promise((r) => child?.proc.once('exit', r));
        const atKill = planRuleCounters((await queue.getJob(runId))?.data.checkpoint, rules.length);
        expect(child.events.some((e) => e.event === 'finished')).toBe(false);

        const summaries: TtlRunSummary[] = [];
        const reporter: TtlRunReporter = {
          start: async () => 'ts-new',
          progress: () => {},
          finished: async (_d, s) => {
            summaries.push(s);
          },
        };
        worker = createTtlWorker(
          workerConnection,
          prefix,
          {
            service,
            reporter,
            audit,
            target: () => ({ name: 'target', url: localRedis.url, mode: 'standalone' }),
            throttle: { ...THROTTLE, keysPerSec: 200_000 },
            pollMs: 200,
          },
          { lockDuration: LOCK_MS, stalledInterval: 500 },
        );
        const state = await waitFor(
          'the plan to finish',
          async () => {
            const s = await service.state(runId);
            return s && ['done', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
          },
          LOCK_MS + budgetMs(KEYS * 3),
        );
        expect(state.status).toBe('done');
        const end = await serverNow(admin);
        const truth = checkPlan(rules, before, await snapshotKeyspace(admin), matching, start, end);

        expect(summaries).toHaveLength(1);
        expect(summaries[0]?.resumes).toBe(1);
        const final = planRuleCounters((await queue.getJob(runId))?.data.checkpoint, rules.length);
        const entries = (await audit.list({ limit: 200 })).filter((e) => e.runId === runId);
        for (const [i, r] of rules.entries()) {
          expect(final[i], r.name).toEqual(truth.get(r.name));
          const started = entries.filter((e) => e.action === 'run_started' && e.rule === r.name);
          const finished = entries.filter((e) => e.action === 'run_finished' && e.rule === r.name);
          expect(started).toHaveLength(1);
          expect(finished).toHaveLength(1);
          expect(finished[0]?.counts?.changed, r.name).toBe(truth.get(r.name)?.changed);
          expect(finished[0]?.dryRunId).toBe(`dry-${r.name}`);
        }
        // The kill happened with work left for the second worker.
        expect(atKill.reduce((s, c) => s + c.changed, 0)).toBeLessThan(
          final.reduce((s, c) => s + c.changed, 0),
        );
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
    LOCK_MS + budgetMs(KEYS * 12),
  );
});
