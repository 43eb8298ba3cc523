/**
 * The plan's one walk against Redis itself: the runbook's four rules applied in one SCAN pass over
 * the demo dataset (two DBs plus keys around the patterns) must change exactly what four separate
 * runs change, each rule's keys get TTLs in the range the rule states (read back with PEXPIRETIME),
 * and each rule's counters equal both the ground truth and a separate run's counters on the same
 * data. A walk killed with pages in flight resumes from its last saved checkpoint exactly.
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { applyRule } from '../../src/remediation/engine.js';
import { applyPlanOneWalk } from '../../src/remediation/plan/one-walk.js';
import { overlappingRules, unionFilter } from '../../src/remediation/plan/scan-filter.js';
import type { PlanCheckpoint } from '../../src/remediation/plan/types.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { budgetMs } from '../support/budget.js';
import { it } from '../support/fixtures.js';
import { checkPlan, matchingByRule } from './plan-truth.js';
import { addExtraKeys, scanMatchIds, serverNow, snapshotKeyspace } from './support.js';

const KEYS = 30_000;
const DB2_KEYS = 8_000;
const RULES: readonly TtlRule[] = RUNBOOK_RULES;

async function reload(admin: Redis, port: number): Promise<void> {
  await admin.flushall();
  await loadDataset(admin, { keys: KEYS });
  const db2 = new Redis({ port, host: '127.0.0.1', db: 2 });
  await loadDataset(db2, { keys: DB2_KEYS, seed: 7 });
  db2.disconnect();
  await addExtraKeys(admin);
}

describe('the union SCAN filter and overlapping rules', () => {
  it('the runbook globs are disjoint; their SCAN filter selects every rule key and drops others', async ({
    admin,
    localRedis,
  }) => {
    expect(overlappingRules(RULES)).toEqual([]);
    await reload(admin, localRedis.port);
    const filter = unionFilter(RULES.map((r) => r.match));
    // Redis's own SCAN MATCH decides both sides.
    const selected = await scanMatchIds(admin, filter);
    for (const r of RULES)
      for (const id of await scanMatchIds(admin, r.match)) expect(selected.has(id)).toBe(true);
    expect(selected.size).toBeLessThan((await scanMatchIds(admin, '*')).size);
  });

  it('rules whose globs can select the same key are named', () => {
    const rules = [
      { name: 'all-contact', match: 'contact:*' },
      { name: 'last', match: 'contact:last:activity:*' },
      { name: 'price', match: 'exchange:*' },
    ];
    expect(overlappingRules(rules)).toEqual([['all-contact', 'last']]);
  });

  it('globs that differ after a `*` are not reported when no key can match both', () => {
    const rules = [
      { name: 'price', match: 'cache:*:price' },
      { name: 'coupon', match: 'cache:*:coupon' },
      { name: 'all', match: 'cache:*' },
    ];
    expect(overlappingRules(rules)).toEqual([
      ['price', 'all'],
      ['coupon', 'all'],
    ]);
  });
});

describe('one walk for the runbook plan', () => {
  it(
    'changes what separate runs change, TTLs in each stated range, counters equal ground truth and separate runs',
    async ({ admin, localRedis, target }) => {
      await reload(admin, localRedis.port);
      const matching = await matchingByRule(admin, RULES);
      const before = await snapshotKeyspace(admin);
      const start = await serverNow(admin);
      const plan = await applyPlanOneWalk(target, RULES, { throttle: false, count: 500 });
      const end = await serverNow(admin);
      const after = await snapshotKeyspace(admin);
      expect(plan.complete).toBe(true);
      const truth = checkPlan(RULES, before, after, matching, start, end);
      for (const [i, r] of RULES.entries()) {
        expect(plan.rules[i]?.rule.name).toBe(r.name);
        expect(plan.rules[i]?.counters, r.name).toEqual(truth.get(r.name));
      }

      // The same data again, each rule its own run one after the other: the same counters.
      await reload(admin, localRedis.port);
      for (const [i, r] of RULES.entries()) {
        const separate = await applyRule(target, r, { throttle: false, count: 500 });
        expect(separate.counters, r.name).toEqual(plan.rules[i]?.counters);
      }
    },
    budgetMs(120_000),
  );

  it(
    'a walk killed with pages written but not saved resumes to the same counters and TTLs',
    async ({ admin, localRedis, target }) => {
      await reload(admin, localRedis.port);
      const matching = await matchingByRule(admin, RULES);
      const before = await snapshotKeyspace(admin);
      const start = await serverNow(admin);
      const abort = new AbortController();
      const saved: PlanCheckpoint[] = [];
      const first = await applyPlanOneWalk(target, RULES, {
        throttle: false,
        count: 200,
        signal: abort.signal,
        onPage: (cp) => {
          saved.push(cp);
          if (saved.length >= 60) abort.abort();
        },
      });
      expect(first.complete).toBe(false);
      // A kill -9: the last three pages were written, their checkpoints never saved.
      const checkpoint = saved[saved.length - 4] as PlanCheckpoint;
      const changedBefore = checkpoint.rules.reduce((s, cp) => s + cp.counters.changed, 0);
      const changedFirst = first.rules.reduce((s, r) => s + r.counters.changed, 0);
      expect(changedFirst).toBeGreaterThan(changedBefore);
      const resumed = await applyPlanOneWalk(target, RULES, { throttle: false, count: 200, checkpoint });
      const end = await serverNow(admin);
      expect(resumed.complete).toBe(true);
      const truth = checkPlan(RULES, before, await snapshotKeyspace(admin), matching, start, end);
      for (const [i, r] of RULES.entries()) {
        expect(resumed.rules[i]?.counters, r.name).toEqual(truth.get(r.name));
        expect(resumed.rules[i]?.approximate).toBeUndefined();
      }
    },
    budgetMs(120_000),
  );
});
