/**
 * A TTL plan scheduled for its off-peak window, on the real TTL run job against a real
 * redis-server. Promoted before the window starts, the job goes back to wait for it without
 * touching a key. Between the approval and the window one rule's keyspace changes past the
 * re-count tolerance: when the window opens the job re-counts every rule and stops the plan before
 * any write. Checked against Redis itself (no key's TTL or value changed), the audit log (the
 * refusal under the drifted rule, no run started) and the summary the thread gets (why it stopped).
 */
import { randomUUID } from 'node:crypto';
import { Queue, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { createI18n } from '../../src/i18n/index.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import {
  createTtlWorker,
  TTL_RUN_QUEUE,
  type TtlJobData,
  type TtlRunReporter,
  TtlRunService,
  type TtlRunSummary,
} from '../../src/jobs/ttl-job.js';
import { errorText } from '../../src/presenters/error-text.js';
import { planRunRule } from '../../src/remediation/plan/plan-rule.js';
import type { TtlPlanSpec } from '../../src/remediation/plan/types.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { matchingByRule } from '../remediation/plan-truth.js';
import { snapshotKeyspace } from '../remediation/support.js';
import { budgetMs } from '../support/budget.js';
import { it } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

const KEYS = 5_000;
const HOUR = 3_600_000;

describe('TTL plan scheduled for the off-peak window', () => {
  it(
    'waits when promoted early; at the window, a drifted rule stops the plan before any write',
    async ({ admin, localRedis, queueRedis: queueServer }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      const rules = [...RUNBOOK_RULES];
      const matching = await matchingByRule(admin, rules);
      // What the dry-run found: per rule, the matching keys without a TTL (the dataset's truth).
      const toChange = new Map<string, number>();
      for (const r of rules) {
        let n = 0;
        for await (const keys of admin.scanBufferStream({ match: r.match, count: 1000 })) {
          for (const key of keys as Buffer[]) if ((await admin.pttl(key)) === -1) n++;
        }
        toChange.set(r.name, n);
      }
      const drifted = rules[1];
      if (!drifted) throw new Error('runbook rules missing');
      const planned = toChange.get(drifted.name) ?? 0;
      expect(planned).toBeGreaterThan(0);

      const prefix = `p-${randomUUID().slice(0, 8)}`;
      const queueRedis = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      const storeRedis = new Redis(queueServer.url, { maxRetriesPerRequest: 1 });
      const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: queueRedis, prefix });
      const audit = new AuditLog(storeRedis, { prefix });
      const service = new TtlRunService(queue, storeRedis, prefix, { audit });
      const runId = `plan-${randomUUID().slice(0, 8)}`;
      const notBefore = Date.now() + HOUR;
      const spec: TtlPlanSpec = {
        planId: 'p1',
        rules,
        dryRunIds: rules.map((r) => `dry-${r.name}`),
        expected: rules.map((r) => ({
          matched: matching.get(r.name)?.size ?? 0,
          toChange: toChange.get(r.name) ?? 0,
        })),
        notBefore,
      };
      let offset = 0;
      const summaries: TtlRunSummary[] = [];
      const reporter: TtlRunReporter = {
        start: async () => 'ts-progress',
        progress: () => {},
        finished: async (_d, s) => {
          summaries.push(s);
        },
      };
      let worker: Worker | undefined;
      const workerConnection = new Redis(queueServer.url, { maxRetriesPerRequest: null });
      try {
        await service.enqueue(
          {
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
          },
          { delayMs: notBefore - Date.now() },
        );
        // After the approval: twice the drifted rule's keys without a TTL (far past 5 %).
        const extra = Math.max(planned, 50);
        const pipe = admin.pipeline();
        for (let i = 0; i < extra; i++) pipe.set(`${drifted.match.replace(/\*$/, '')}drift-${i}`, 'x');
        await pipe.exec();
        const before = await snapshotKeyspace(admin);

        worker = createTtlWorker(workerConnection, prefix, {
          service,
          reporter,
          audit,
          target: () => ({ name: 'target', url: localRedis.url, mode: 'standalone' }),
          throttle: false,
          pollMs: 200,
          now: () => Date.now() + offset,
        });

        // Promoted an hour early: the job goes back to the delayed set, untouched.
        await (await queue.getJob(runId))?.promote();
        await waitFor(
          'the early job to go back to waiting',
          async () => {
            const job = await queue.getJob(runId);
            return job?.processedOn !== undefined && (await job.getState()) === 'delayed' ? true : undefined;
          },
          budgetMs(20_000),
        );
        expect((await service.state(runId))?.status).toBe('queued');
        expect(summaries).toHaveLength(0);

        // The window opens: the job re-counts every rule before its first write.
        offset = 2 * HOUR;
        await (await queue.getJob(runId))?.promote();
        const state = await waitFor(
          'the plan to end',
          async () => {
            const s = await service.state(runId);
            return s && ['done', 'failed', 'cancelled'].includes(s.status) ? s : undefined;
          },
          budgetMs(30_000),
        );
        expect(state.status).toBe('failed');
        expect(await snapshotKeyspace(admin)).toEqual(before);

        const entries = (await audit.list({ limit: 200 })).filter((e) => e.runId === runId);
        expect(entries.filter((e) => e.action === 'run_started')).toHaveLength(0);
        const refused = entries.filter((e) => e.action === 'refused');
        expect(refused).toHaveLength(1);
        expect(refused[0]?.rule).toBe(drifted.name);
        expect(refused[0]?.reason).toBe('recount_mismatch');
        expect(refused[0]?.counts).toMatchObject({ toChange: planned, recounted: planned + extra });

        expect(summaries).toHaveLength(1);
        expect(summaries[0]?.outcome).toBe('failed');
        expect(summaries[0]?.error?.code).toBe('plan_drift');
        const error = summaries[0]?.error;
        if (!error) throw new Error('no error in the summary');
        const i18n = createI18n({ strict: true });
        for (const lang of ['en', 'zh'] as const) {
          const text = errorText(error, i18n.slack(lang), lang);
          expect(text).toContain(drifted.name);
          expect(text).toContain(String(planned + extra));
        }
      } finally {
        await worker?.close();
        workerConnection.disconnect();
        await queue.obliterate({ force: true }).catch(() => {});
        await queue.close();
        queueRedis.disconnect();
        storeRedis.disconnect();
      }
    },
    budgetMs(90_000),
  );
});
