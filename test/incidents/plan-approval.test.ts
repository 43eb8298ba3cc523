/**
 * One decision on the whole TTL plan, on real stores (queue Redis) and a real target (the demo
 * dataset): the plan's dry-run counts each rule as Redis itself does; the requester and an outsider
 * are refused and audited; a second approver queues one job for the four rules, each approved and
 * audited on its own; a rule whose re-count drifts stops the plan before anything is queued or
 * written; an approval outside the off-peak window schedules the run (a delayed, cancellable job)
 * and "Run now" runs it at once, audited as an override.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { OffPeakWindow } from '../../src/config/off-peak.js';
import { loadDataset } from '../../src/demo/dataset.js';
import { ApprovalStore } from '../../src/incidents/approval-store.js';
import { PLAN_RULE, PlanApprovalService } from '../../src/incidents/approvals/plan-service.js';
import { DEFAULT_APPROVAL_POLICY } from '../../src/incidents/approvals.js';
import { AuditLog } from '../../src/incidents/audit-log.js';
import { PlanStore } from '../../src/incidents/plan-store.js';
import { TTL_RUN_QUEUE, type TtlJobData, TtlRunService } from '../../src/jobs/ttl-job.js';
import type { TargetConnection } from '../../src/redis/connect.js';
import { DryRunStore, dryRun, recount } from '../../src/remediation/dry-run.js';
import type { DryRun, TtlRule } from '../../src/remediation/types.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { budgetMs } from '../support/budget.js';
import { it } from '../support/fixtures.js';

const KEYS = 40_000;
const CHANNEL = 'C0PLAN';
const APPROVERS = { users: ['UREQ', 'UAPP'], groups: [] };

/** What each rule would change, counted from Redis directly (SCAN MATCH + PTTL), not by the dry-run. */
async function truthToChange(admin: Redis, rule: TtlRule): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, names] = await admin.scan(cursor, 'MATCH', rule.match, 'COUNT', 1000);
    cursor = next;
    const p = admin.pipeline();
    for (const k of names) p.pttl(k);
    for (const [, v] of (await p.exec()) ?? []) {
      const pttl = Number(v);
      if (pttl === -1 && (rule.action === 'set-missing' || rule.includeMissing)) n++;
      else if (rule.action === 'cap' && pttl > rule.ttlSec * 1000) n++;
    }
  } while (cursor !== '0');
  return n;
}

async function keysWithoutTtl(admin: Redis): Promise<number> {
  let n = 0;
  let cursor = '0';
  do {
    const [next, names] = await admin.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const p = admin.pipeline();
    for (const k of names) p.pttl(k);
    for (const [, v] of (await p.exec()) ?? []) if (Number(v) === -1) n++;
  } while (cursor !== '0');
  return n;
}

interface Rig {
  service: PlanApprovalService;
  audit: AuditLog;
  queue: Queue<TtlJobData>;
  runs: TtlRunService;
  close(): Promise<void>;
}

function rig(
  queueUrl: string,
  conn: TargetConnection,
  opts: { now: () => number; offPeak?: OffPeakWindow },
): Rig {
  const prefix = `pa-${randomUUID().slice(0, 8)}`;
  const store = new Redis(queueUrl, { maxRetriesPerRequest: 1 });
  const bull = new Redis(queueUrl, { maxRetriesPerRequest: null });
  const queue = new Queue<TtlJobData>(TTL_RUN_QUEUE, { connection: bull, prefix });
  const audit = new AuditLog(store, { prefix });
  const runs = new TtlRunService(queue, store, prefix, { audit });
  const dryRuns = new DryRunStore(store, { prefix });
  const service = new PlanApprovalService({
    store: new ApprovalStore(store, { prefix }),
    plans: new PlanStore(store, { prefix }),
    audit,
    policy: DEFAULT_APPROVAL_POLICY,
    dryRuns: {
      get: (id) => dryRuns.get(id),
      recount: async (d) => (await recount(conn, d.rule, { throttle: false })).toChange,
    },
    runs,
    approvers: () => APPROVERS,
    offPeak: () => opts.offPeak,
    now: opts.now,
  });
  const planDryRun = async (): Promise<DryRun[]> => {
    const out: DryRun[] = [];
    for (const r of RUNBOOK_RULES) {
      const d = {
        ...(await dryRun(conn, r, { cluster: 'market', throttle: false, now: () => new Date(opts.now()) })),
        channel: CHANNEL,
      };
      await dryRuns.save(d);
      out.push(d);
    }
    return out;
  };
  return {
    service: Object.assign(service, { planDryRun }),
    audit,
    queue,
    runs,
    async close() {
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      store.disconnect();
      bull.disconnect();
    },
  };
}

type WithDryRun = PlanApprovalService & { planDryRun(): Promise<DryRun[]> };

async function requestPlan(r: Rig): Promise<string> {
  const s = r.service as WithDryRun;
  const created = await s.createPlan({
    cluster: 'market',
    channel: CHANNEL,
    by: 'UREQ',
    incidentId: '',
    dryRuns: await s.planDryRun(),
  });
  expect(created.ok).toBe(true);
  const requested = await s.request({
    cluster: 'market',
    requester: 'UREQ',
    channel: CHANNEL,
    post: async () => ({ incidentId: 'inc-1', threadTs: '100.1', messageTs: '100.2' }),
  });
  if (!requested.ok) throw new Error(`request refused: ${requested.reason}`);
  return requested.request.id;
}

const origin = { channel: CHANNEL, messageTs: '100.2' };

describe('plan approval', () => {
  it(
    'dry-run counts per rule equal Redis; four-eyes; one approval queues one job for the four rules',
    async ({ admin, target, queueRedis }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      const r = rig(queueRedis.url, target, { now: Date.now });
      try {
        const s = r.service as WithDryRun;
        const dryRuns = await s.planDryRun();
        const created = await s.createPlan({
          cluster: 'market',
          channel: CHANNEL,
          by: 'UREQ',
          incidentId: '',
          dryRuns,
        });
        if (!created.ok) throw new Error('plan refused');
        // The runbook's order: low risk first, fewest keys first; the medium-risk rule last.
        expect(created.plan.dryRuns.map((d) => d.rule.name)).toEqual([
          'exchange-price',
          'coupon-unread',
          'last-activity',
          'user-group-label',
        ]);
        for (const d of created.plan.dryRuns) {
          expect(d.toChange, d.rule.name).toBe(await truthToChange(admin, d.rule));
        }
        // `planOrder: config`: the rules run in the order the config lists them.
        const reversed = [...dryRuns].reverse();
        const asConfigured = await s.createPlan({
          cluster: 'market',
          channel: 'C0OTHER',
          by: 'UREQ',
          incidentId: '',
          dryRuns: reversed,
          order: 'config',
        });
        if (!asConfigured.ok) throw new Error('plan refused');
        expect(asConfigured.plan.dryRuns.map((d) => d.rule.name)).toEqual(reversed.map((d) => d.rule.name));
        const requested = await s.request({
          cluster: 'market',
          requester: 'UREQ',
          channel: CHANNEL,
          post: async () => ({ incidentId: 'inc-1', threadTs: '100.1', messageTs: '100.2' }),
        });
        if (!requested.ok) throw new Error(requested.reason);
        const id = requested.request.id;
        expect(requested.request.rule).toBe(PLAN_RULE);

        const self = await s.approve({ requestId: id, user: 'UREQ', origin, lang: 'en', runNow: false });
        expect(self).toMatchObject({ ok: false, reason: 'self_approval' });
        const outsider = await s.approve({ requestId: id, user: 'UOUT', origin, lang: 'en', runNow: false });
        expect(outsider).toMatchObject({ ok: false, reason: 'not_approver' });
        const elsewhere = await s.approve({
          requestId: id,
          user: 'UAPP',
          origin: { ...origin, messageTs: '9.9' },
          lang: 'en',
          runNow: false,
        });
        expect(elsewhere).toMatchObject({ ok: false, reason: 'unknown_request' });

        const ok = await s.approve({ requestId: id, user: 'UAPP', origin, lang: 'en', runNow: false });
        if (!ok.ok) throw new Error(`approve refused: ${ok.reason}`);
        const job = await r.queue.getJob(ok.runId);
        expect(job?.data.plan?.rules.map((x) => x.name)).toEqual(
          created.plan.dryRuns.map((d) => d.rule.name),
        );
        expect(await job?.getState()).toBe('waiting');
        const again = await s.approve({ requestId: id, user: 'UAPP', origin, lang: 'en', runNow: false });
        expect(again).toMatchObject({ ok: false, reason: 'already_decided' });

        const entries = await r.audit.list({ limit: 100 });
        const refused = entries.filter((e) => e.action === 'refused').map((e) => `${e.actor}:${e.reason}`);
        expect(refused).toEqual(
          expect.arrayContaining([
            'UREQ:self_approval',
            'UOUT:not_approver',
            'UAPP:unknown_request',
            'UAPP:already_decided',
          ]),
        );
        const approved = entries.filter((e) => e.action === 'approved');
        expect(approved.map((e) => e.rule).sort()).toEqual(RUNBOOK_RULES.map((x) => x.name).sort());
        for (const e of approved) expect(e.counts?.recounted).toBe(e.counts?.toChange);
      } finally {
        await r.close();
      }
    },
    budgetMs(60_000),
  );

  it(
    'a rule whose re-count drifts stops the plan: nothing queued, nothing written, the drift audited',
    async ({ admin, target, queueRedis }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      const r = rig(queueRedis.url, target, { now: Date.now });
      try {
        const id = await requestPlan(r);
        // The application writes many more coupon keys without TTL after the dry-run: +50 %.
        const coupon = RUNBOOK_RULES.find((x) => x.name === 'coupon-unread') as TtlRule;
        const before = await truthToChange(admin, coupon);
        const p = admin.pipeline();
        for (let i = 0; i < Math.ceil(before / 2); i++) p.set(`MARKETING:COUPON:UNREAD:drift${i}`, '1');
        await p.exec();
        const noTtl = await keysWithoutTtl(admin);

        const outcome = await r.service.approve({
          requestId: id,
          user: 'UAPP',
          origin,
          lang: 'en',
          runNow: false,
        });
        expect(outcome).toMatchObject({
          ok: false,
          reason: 'recount_mismatch',
          drift: { rule: 'coupon-unread' },
        });
        expect(await r.queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
        expect(await keysWithoutTtl(admin)).toBe(noTtl);
        const entries = await r.audit.list({ limit: 100 });
        expect(entries.find((e) => e.action === 'refused' && e.reason === 'recount_mismatch')?.rule).toBe(
          'coupon-unread',
        );
        expect(entries.some((e) => e.action === 'approved')).toBe(false);
      } finally {
        await r.close();
      }
    },
    budgetMs(60_000),
  );

  it(
    'outside the off-peak window: scheduled for its start (delayed, cancellable); Run now runs at once, audited',
    async ({ admin, target, queueRedis }) => {
      await admin.flushall();
      await loadDataset(admin, { keys: KEYS });
      // Tue 2026-12-08 14:00 Shanghai; the window opens at 22:00 Shanghai (14:00 UTC), 8 h later.
      const now = Date.UTC(2026, 11, 8, 6, 0);
      const offPeak: OffPeakWindow = {
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        from: '22:00',
        to: '06:00',
        timeZone: 'Asia/Shanghai',
      };
      const r = rig(queueRedis.url, target, { now: () => now, offPeak });
      try {
        const scheduled = await r.service.approve({
          requestId: await requestPlan(r),
          user: 'UAPP',
          origin,
          lang: 'en',
          runNow: false,
        });
        if (!scheduled.ok) throw new Error(scheduled.reason);
        expect(scheduled.scheduledFor).toBe(Date.UTC(2026, 11, 8, 14, 0));
        const job = await r.queue.getJob(scheduled.runId);
        expect(await job?.getState()).toBe('delayed');
        expect(job?.opts.delay).toBe(8 * 3_600_000);
        expect(
          (await r.audit.list({ limit: 100 })).find((e) => e.action === 'run_scheduled')?.counts?.startsAt,
        ).toBe(Date.UTC(2026, 11, 8, 14, 0));
        // Cancellable while it waits: the control record moves on, the worker ends it when it wakes.
        expect((await r.runs.cancel(scheduled.runId, 'UAPP')).ok).toBe(true);
        expect(await job?.getState()).toBe('waiting');

        const now2 = await r.service.approve({
          requestId: await requestPlan(r),
          user: 'UAPP',
          origin,
          lang: 'en',
          runNow: true,
        });
        if (!now2.ok) throw new Error(now2.reason);
        expect(now2.override).toBe(true);
        expect(now2.scheduledFor).toBeUndefined();
        expect(await (await r.queue.getJob(now2.runId))?.getState()).toBe('waiting');
        const override = (await r.audit.list({ limit: 100 })).filter((e) => e.action === 'run_now_override');
        expect(override).toEqual([expect.objectContaining({ actor: 'UAPP', runId: now2.runId })]);
      } finally {
        await r.close();
      }
    },
    budgetMs(60_000),
  );
});
