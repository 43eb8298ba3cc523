/**
 * A plan on a Redis Cluster runs its rules one after the other (the engine follows reshards per
 * rule). A crash in the middle of rule 2 (pages written past the last saved checkpoint) resumes
 * rule 2 from that checkpoint, then runs rules 3 and 4: each rule's keys end with TTLs in its stated
 * range and nothing else changed (Redis itself, key by key), and each rule's counters equal the
 * ground truth, so no rule ran twice or was skipped.
 */
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { planApplier, planRuleCounters } from '../../src/remediation/plan/applier.js';
import { planRunRule } from '../../src/remediation/plan/plan-rule.js';
import type { PlanEngineCheckpoint, TtlPlanSpec } from '../../src/remediation/plan/types.js';
import type { EngineCheckpoint } from '../../src/remediation/types.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { budgetMs } from '../support/budget.js';
import { checkPlan, matchingByRule } from './plan-truth.js';
import { serverNow, snapshotKeyspace } from './support.js';

const KEYS = 40_000;

describe('a TTL plan on a Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;
  let conn: TargetConnection;

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ primaries: 3 });
    client = new Cluster(cluster.nodes);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    conn = await connectTarget({ name: 'cluster', url: cluster.url, mode: 'cluster' });
  }, budgetMs(120_000));

  afterAll(async () => {
    await conn?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  it(
    'a crash in the middle of rule 2 resumes rule 2, then runs rules 3 and 4, each exactly once',
    async () => {
      await Promise.all(client.nodes('master').map((n) => n.flushall()));
      await loadDataset(client, { keys: KEYS });
      const rules = [...RUNBOOK_RULES];
      const matching = await matchingByRule(client, rules);
      const before = await snapshotKeyspace(client);
      const start = await serverNow(client);
      const spec: TtlPlanSpec = {
        planId: 'plan-c1',
        rules,
        dryRunIds: rules.map((r) => `dry-${r.name}`),
        expected: rules.map(() => ({ matched: 0, toChange: 0 })),
      };
      const applier = planApplier(spec);
      const rule = planRunRule(spec.planId, rules);
      const abort = new AbortController();
      const saved: PlanEngineCheckpoint[] = [];
      const first = await applier.applyRule(conn, rule, {
        throttle: false,
        count: 100,
        signal: abort.signal,
        onPage: (cp: EngineCheckpoint) => {
          const plan = cp as PlanEngineCheckpoint;
          saved.push(plan);
          const seq = plan.plan.mode === 'sequence' ? plan.plan : undefined;
          // Half way through rule 2's keys (coupon-unread).
          const half = (matching.get(rules[1]?.name ?? '')?.size ?? 0) / 2;
          if (seq?.index === 1 && (seq.counters[1]?.scanned ?? 0) >= half) abort.abort();
        },
      });
      expect(first.complete).toBe(false);
      // A kill -9: the last three pages of rule 2 were written, their checkpoints never saved.
      const checkpoint = saved[saved.length - 4] as PlanEngineCheckpoint;
      expect(checkpoint.plan).toMatchObject({ mode: 'sequence', index: 1 });
      const atCrash = planRuleCounters(checkpoint, rules.length);
      expect(atCrash[2]?.scanned).toBe(0);
      expect(atCrash[3]?.scanned).toBe(0);

      const resumed = await applier.applyRule(conn, rule, { throttle: false, count: 100, checkpoint });
      expect(resumed.complete).toBe(true);
      const end = await serverNow(client);
      const truth = checkPlan(rules, before, await snapshotKeyspace(client), matching, start, end);
      const final = planRuleCounters(resumed.checkpoint, rules.length);
      for (const [i, r] of rules.entries()) expect(final[i], r.name).toEqual(truth.get(r.name));
    },
    budgetMs(180_000),
  );
});
