/**
 * The plan bench's figures say what they measure, in the same units on both sides: the keys the
 * server's SCAN visited (every key of the DB per walk: four walks against one) and the keys SCAN
 * MATCH returned to the client. Checked against a separate redis-server loaded with the same
 * seeded dataset: its DBSIZE and what SCAN MATCH returns for each rule's glob and for the plan's
 * union filter.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { benchPlan, runbookRules } from '../../bench/plan.js';
import { fmt } from '../../bench/support.js';
import { loadDataset } from '../../src/demo/dataset.js';
import { startLocalRedis } from '../../src/demo/local-redis.js';
import { unionFilter } from '../../src/remediation/plan/scan-filter.js';
import { budgetMs } from '../support/budget.js';

const KEYS = 20_000;

async function scanCount(redis: Redis, glob: string): Promise<number> {
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scanBuffer(cursor, 'MATCH', glob, 'COUNT', 1000);
    cursor = String(next);
    for (const k of keys) seen.add(k.toString('hex'));
  } while (cursor !== '0');
  return seen.size;
}

describe('bench/plan.ts figures', () => {
  it(
    'both sides report keys visited by SCAN and keys returned after MATCH, equal to Redis',
    async () => {
      const server = await startLocalRedis();
      const redis = new Redis(server.port, '127.0.0.1');
      let dbsize = 0;
      let perRule = 0;
      let union = 0;
      try {
        await loadDataset(redis, { keys: KEYS });
        dbsize = await redis.dbsize();
        const rules = runbookRules();
        for (const r of rules) perRule += await scanCount(redis, r.match);
        union = await scanCount(redis, unionFilter(rules.map((r) => r.match)));
      } finally {
        redis.disconnect();
        await server.stop();
      }
      const rows = new Map(await benchPlan({ keys: KEYS, print: false }));
      for (const label of ['unthrottled', 'throttled']) {
        const row = (suffix: string) =>
          [...rows.entries()].find(([k]) => k.startsWith(label) && k.endsWith(suffix))?.[1];
        expect(row('four runs one after the other'), label).toContain(
          `${fmt(4 * dbsize)} keys visited by SCAN, ${fmt(perRule)} returned after MATCH`,
        );
        expect(row("the plan's one walk"), label).toContain(
          `${fmt(dbsize)} keys visited by SCAN, ${fmt(union)} returned after MATCH`,
        );
      }
    },
    budgetMs(120_000),
  );
});
