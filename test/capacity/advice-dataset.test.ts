/**
 * Both analyses on the demo dataset against a real redis-server, checked against truth the code
 * under test never computes: which keys exist and with what TTL comes from the generator's own
 * records, how many bytes each one takes from Redis (MEMORY USAGE, key by key).
 */
import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { adviseCapacity, advisePolicy } from '../../src/capacity/advise.js';
import { loadNodeCatalog } from '../../src/capacity/node-catalog.js';
import { DAY_SEC, freedBy } from '../../src/capacity/projection.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { generateDataset, loadDataset } from '../../src/demo/dataset.js';
import type { TargetConnection } from '../../src/redis/connect.js';
import { dryRun } from '../../src/remediation/dry-run.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { RUNBOOK_RULES } from '../fixtures/runbook-rules.js';
import { test } from '../support/fixtures.js';

const KEYS = 20_000;
const MIN = 60_000;
// Job-queue and lock keys the generator does not write: the allkeys-* trap must find them.
const QUEUE_KEYS: [string, string][] = [
  ['bull:emails:1', 'job-1'],
  ['bull:emails:2', 'job-2'],
  ['bull:emails:wait', 'list'],
  ['lock:order:42', 'owner-a'],
];

interface Truth {
  /** Per rule: the keys it changes and their bytes. */
  changed: Map<string, { keys: number; bytes: number }>;
  withTtl: { keys: number; bytes: number };
  all: { keys: number; bytes: number };
}

async function memoryUsage(admin: Redis, keys: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < keys.length; i += 1000) {
    const pipe = admin.pipeline();
    for (const k of keys.slice(i, i + 1000)) pipe.memory('USAGE', k, 'SAMPLES', 5);
    for (const [err, v] of (await pipe.exec()) ?? []) {
      if (err) throw err;
      out.push(Number(v));
    }
  }
  return out;
}

/** A key the rule changes, by the rule's stated meaning, from the generator's TTL (ms, or null). */
function ruleChanges(rule: TtlRule, ttlMs: number | null): boolean {
  if (ttlMs === null) return rule.action === 'set-missing' || rule.includeMissing;
  return rule.action === 'cap' && ttlMs > rule.ttlSec * 1000;
}

const prefixOf = (rule: TtlRule) => rule.match.replace(/\*$/, '');

async function groundTruth(admin: Redis): Promise<Truth> {
  const records = [...generateDataset({ keys: KEYS })];
  const bytes = await memoryUsage(
    admin,
    records.map((r) => r.key),
  );
  const changed = new Map<string, { keys: number; bytes: number }>();
  for (const rule of RUNBOOK_RULES) changed.set(rule.name, { keys: 0, bytes: 0 });
  const withTtl = { keys: 0, bytes: 0 };
  const all = { keys: 0, bytes: 0 };
  records.forEach((rec, i) => {
    const b = bytes[i] ?? 0;
    all.keys++;
    all.bytes += b;
    if (rec.ttlMs !== null) {
      withTtl.keys++;
      withTtl.bytes += b;
    }
    for (const rule of RUNBOOK_RULES) {
      if (rec.key.startsWith(prefixOf(rule)) && ruleChanges(rule, rec.ttlMs)) {
        const c = changed.get(rule.name) as { keys: number; bytes: number };
        c.keys++;
        c.bytes += b;
      }
    }
  });
  const queueBytes = await memoryUsage(
    admin,
    QUEUE_KEYS.map(([k]) => k),
  );
  all.keys += QUEUE_KEYS.length;
  all.bytes += queueBytes.reduce((a, b) => a + b, 0);
  return { changed, withTtl, all };
}

const cluster: ClusterConfig = {
  name: 'local',
  url: 'redis://127.0.0.1:1',
  mode: 'standalone',
  thresholds: { warning: 60, critical: 70, emergency: 85 },
  approvers: { users: [], groups: [] },
};

describe('advice on the demo dataset with the runbook rules', () => {
  let truth: Truth;
  let conn: TargetConnection;

  test.beforeAll(async ({ admin, target }) => {
    await loadDataset(admin, { keys: KEYS });
    for (const [k, v] of QUEUE_KEYS) await admin.set(k, v);
    await admin.config('SET', 'maxmemory-policy', 'volatile-lfu');
    await admin.config('SET', 'maxmemory', String(64 * 1024 * 1024));
    truth = await groundTruth(admin);
    conn = target;
  }, 2 * MIN);

  const deps = () => ({
    conn,
    catalog: loadNodeCatalog(),
    dryRunOf: (rule: TtlRule) => dryRun(conn, rule, { cluster: 'local', throttle: false }),
  });

  test(
    'freed bytes per rule equal the bytes of the keys each rule changes; the curve frees them in their window',
    async () => {
      const now = new Date('2026-02-12T14:35:00Z');
      const report = await adviseCapacity(deps(), {
        cluster,
        rules: [...RUNBOOK_RULES],
        now,
        throttle: false,
      });
      expect(report.source).toBe('self_hosted');
      expect(report.unknowns).toEqual(
        expect.arrayContaining(['node_type', 'prices', 'allowed_node_types', 'growth']),
      );
      for (const rule of RUNBOOK_RULES) {
        const release = report.releases.find((r) => r.rule === rule.name);
        const expected = truth.changed.get(rule.name);
        expect(expected?.keys, rule.name).toBeGreaterThan(0);
        expect({ rule: rule.name, keys: release?.keys, bytes: release?.bytes }).toEqual({
          rule: rule.name,
          keys: expected?.keys,
          bytes: expected?.bytes,
        });
        // Keys leave between ttl·(1−jitter) and ttl: nothing before, everything after.
        const lo = rule.ttlSec * (1 - rule.jitter);
        if (release) {
          expect(freedBy(release, lo - 1)).toBe(0);
          expect(freedBy(release, rule.ttlSec)).toBe(expected?.bytes);
        }
      }
      // Every rule's window ends within 90 days: the curves differ by all the freed bytes at day 90.
      const current = report.sizing.projections[0];
      const freed = [...truth.changed.values()].reduce((s, c) => s + c.bytes, 0);
      const day90 = (points: { baselineBytes: number }[] | undefined) => points?.[90]?.baselineBytes ?? 0;
      expect(day90(current?.withoutRules) - day90(current?.withRules)).toBe(freed);
      // Day 7 (exchange-price's whole window, 6.3–7 d) has freed exactly that rule's bytes.
      const day7 =
        (current?.withoutRules[7]?.baselineBytes ?? 0) - (current?.withRules[7]?.baselineBytes ?? 0);
      expect(day7).toBe(truth.changed.get('exchange-price')?.bytes);
      expect(7 * DAY_SEC).toBe(RUNBOOK_RULES[0]?.ttlSec);
    },
    2 * MIN,
  );

  test(
    'evictable keys and bytes under volatile-* and allkeys-* equal the ground truth; both traps named',
    async () => {
      const now = new Date('2026-02-12T14:35:00Z');
      const advice = await advisePolicy(deps(), { cluster, rules: [...RUNBOOK_RULES], now, throttle: false });
      expect(advice.policy).toBe('volatile-lfu');
      expect(advice.volatile).toEqual(truth.withTtl);
      expect(advice.allkeys).toEqual(truth.all);
      expect(advice.withoutTtl).toEqual({
        keys: truth.all.keys - truth.withTtl.keys,
        bytes: truth.all.bytes - truth.withTtl.bytes,
      });
      expect(advice.volatileTrap?.bytesWithoutTtl).toBe(truth.all.bytes - truth.withTtl.bytes);
      expect(advice.volatileTrap?.evictableBytes).toBe(truth.withTtl.bytes);
      // The BullMQ and lock keys written above, nothing else.
      expect(advice.allkeysTrap?.keys).toBe(QUEUE_KEYS.length);
      expect(advice.allkeysTrap?.patterns.map((p) => p.family).sort()).toEqual(['bullmq', 'lock']);
      // The rules' risk and note carried per pattern; hotness sampled with OBJECT FREQ under LFU.
      const group = advice.patterns.find((p) => p.rule === 'user-group-label');
      expect(group).toMatchObject({ risk: 'medium', note: 'verify the group label rebuild logic first' });
      expect(group?.hotness?.measure).toBe('lfu_freq');
      expect(group?.hotness?.sampled).toBeGreaterThan(0);
      expect(advice.recommendation.kind).toBe('keep_queues_present');
    },
    2 * MIN,
  );
});
