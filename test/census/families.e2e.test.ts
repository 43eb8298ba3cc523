/**
 * Pattern inference on the mixed keyspace (the key families of Bull, Sidekiq, Resque, Rails,
 * Django, Celery, Laravel, Spring Session, express-session, JWT deny-lists, rate limiters,
 * leaderboards, feature flags, numeric-only keys, …) loaded into a real redis-server: the census
 * names families, its globs are safe as MATCH (Redis's own SCAN MATCH selects exactly the keys it
 * counted plus the overlap it reports), and neither insertion order, page size nor sampling
 * changes what it finds. Ground truth: the generator's family per key, and Redis itself.
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { runCensus } from '../../src/census/run-census.js';
import type { CensusResult } from '../../src/census/types.js';
import { type DatasetRecord, generateDataset, loadDataset, scoreGrouping } from '../../src/demo/dataset.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { connectTarget } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';
import { it, test } from '../support/fixtures.js';
import { shuffled } from '../support/seeded-random.js';

const KEYS = 40_000;
const SEED = 11;
let records: DatasetRecord[];
let full: CensusResult;
let url: string;

/** Writes the records to `db` in the given order (SET/HSET/SADD, then PEXPIRE where they expire). */
async function write(base: string, db: number, recs: readonly DatasetRecord[]): Promise<void> {
  const redis = new Redis(`${base}/${db}`);
  try {
    for (let at = 0; at < recs.length; at += 2_000) {
      const p = redis.pipeline();
      for (const rec of recs.slice(at, at + 2_000)) {
        if (rec.type === 'string') p.set(rec.key, rec.value);
        else if (rec.type === 'hash') p.hset(rec.key, rec.fields);
        else p.sadd(rec.key, ...rec.members);
        if (rec.ttlMs !== null) p.pexpire(rec.key, rec.ttlMs);
      }
      await p.exec();
    }
  } finally {
    redis.disconnect();
  }
}

const shape = (r: CensusResult) =>
  r.patterns
    .map((p) => ({ pattern: p.pattern, keys: p.keys, noTtl: p.keysWithoutTtl }))
    .sort((a, b) => (a.pattern < b.pattern ? -1 : 1));

test.beforeAll(
  async ({ localRedis, admin, target }) => {
    url = localRedis.url;
    records = [...generateDataset({ keys: KEYS, seed: SEED, shape: 'mixed' })];
    await loadDataset(admin, { keys: KEYS, seed: SEED, shape: 'mixed' });
    full = await runCensus(target, { cluster: 'mixed', throttle: false });
  },
  budgetMs(KEYS * 2),
);

describe('census on the mixed keyspace', () => {
  it('recovers ≥ 98 % of the families of ≥ 20 keys, < 1 % of keys in single-key patterns, no catch-all', () => {
    expect(full.totalKeys).toBe(KEYS);
    const score = scoreGrouping(
      records.map((r) => ({ key: r.key, family: r.pattern })),
      full.patterns,
    );
    expect(score.missed).toEqual([]);
    expect(score.bigRecovered / score.bigFamilies).toBeGreaterThanOrEqual(0.98);
    expect(score.singleKeyShare).toBeLessThan(0.01);
    expect(score.maxNoLiteralShare).toBeLessThanOrEqual(0.01);
    // families that never expire keep that flag: each recovered family's keys without TTL are its own
    const numeric = full.patterns.find((p) => compileGlob(p.pattern)(Buffer.from('10000007')));
    expect(numeric?.keysWithoutTtl).toBe(numeric?.keys);
  });

  it(
    "every pattern's glob, as SCAN MATCH on the server, selects exactly its keys plus the overlap it reports",
    async ({ admin }) => {
      for (const p of full.patterns) {
        let cursor = '0';
        let selected = 0;
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', p.pattern, 'COUNT', 2_000);
          cursor = next;
          selected += keys.length;
        } while (cursor !== '0');
        expect(selected, p.pattern).toBe(p.keys + (p.overlapKeys ?? 0));
      }
    },
    budgetMs(KEYS * 10),
  );

  it(
    'another insertion order and page size give the same patterns and counts',
    async () => {
      await write(url, 2, shuffled(records, 99));
      const conn = await connectTarget({ name: 'db2', url: `${url}/2`, mode: 'standalone' });
      try {
        const again = await runCensus(conn, {
          cluster: 'mixed-2',
          throttle: { keysPerSec: 1_000_000, pageSize: 137, latencyGuardMs: 10_000 },
        });
        expect(again.totalKeys).toBe(KEYS);
        expect(shape(again)).toEqual(shape(full));
      } finally {
        await conn.close();
      }
    },
    budgetMs(KEYS * 4),
  );

  it(
    'a sampled census names the same patterns for every family of ≥ 1,000 keys',
    async ({ target }) => {
      const sampled = await runCensus(target, { cluster: 'mixed', throttle: false, sample: 12_000 });
      expect(sampled.sampled).toBe(true);
      const sizes = new Map<string, number>();
      for (const r of records) sizes.set(r.pattern, (sizes.get(r.pattern) ?? 0) + 1);
      const names = new Set(sampled.patterns.map((p) => p.pattern));
      let checked = 0;
      for (const [family, size] of sizes) {
        if (size < 1_000) continue;
        const example = Buffer.from(records.find((r) => r.pattern === family)?.key ?? '');
        // the full census's pattern of the family: the one holding exactly its keys
        const holder = full.patterns.find((p) => p.keys === size && compileGlob(p.pattern)(example));
        expect(holder, family).toBeDefined();
        expect(names.has(holder?.pattern ?? ''), `${family}: ${holder?.pattern}`).toBe(true);
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
    },
    budgetMs(KEYS * 2),
  );
});
