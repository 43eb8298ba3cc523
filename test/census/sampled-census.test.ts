/**
 * A sampled census (`keys --sample N`) on a real redis-server holding the demo dataset: the scaled
 * counts keep the "never expires" flag of patterns that have no TTL at all. Truth is Redis's own:
 * SCAN MATCH per glob and PTTL of every key it returns.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCensus } from '../../src/census/run-census.js';
import type { CensusResult } from '../../src/census/types.js';
import { describeDataset, loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { buildCensusView } from '../../src/presenters/census-view.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';
import { recordingT } from '../support/recording-t.js';

const KEYS = 53_000;
const SAMPLES = [2_000, 5_000, 10_000, 20_000];
const GLOBS = Object.keys(describeDataset({ keys: KEYS }).patterns);

interface GlobTruth {
  keys: number;
  keysWithoutTtl: number;
}

/** Keys and keys without TTL per glob, as Redis counts them (SCAN MATCH, then PTTL of each key). */
async function redisTruth(client: Redis, globs: readonly string[]): Promise<Map<string, GlobTruth>> {
  const out = new Map<string, GlobTruth>();
  for (const glob of globs) {
    const names: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await client.scan(cursor, 'MATCH', glob, 'COUNT', 1000);
      cursor = next;
      names.push(...page);
    } while (cursor !== '0');
    let keysWithoutTtl = 0;
    for (let i = 0; i < names.length; i += 1000) {
      const p = client.pipeline();
      for (const name of names.slice(i, i + 1000)) p.pttl(name);
      for (const [, ttl] of (await p.exec()) ?? []) if (ttl === -1) keysWithoutTtl++;
    }
    out.set(glob, { keys: names.length, keysWithoutTtl });
  }
  return out;
}

let server: LocalRedis;
let admin: Redis;
let conn: TargetConnection;
let truth: Map<string, GlobTruth>;
const censuses = new Map<number, CensusResult>();

beforeAll(
  async () => {
    server = await startLocalRedis();
    admin = new Redis(server.port, '127.0.0.1');
    await loadDataset(admin, { keys: KEYS });
    truth = await redisTruth(admin, GLOBS);
    conn = await connectTarget({ name: 'local', url: server.url, mode: 'standalone' });
    for (const sample of SAMPLES) {
      // The dataset's globs as rules: each census pattern is then one glob Redis can count.
      censuses.set(
        sample,
        await runCensus(conn, {
          cluster: 'local',
          sample,
          throttle: false,
          rules: GLOBS.map((pattern) => ({ pattern })),
        }),
      );
    }
  },
  budgetMs(KEYS * 2 + SAMPLES.reduce((a, b) => a + b, 0)),
);

afterAll(async () => {
  await conn?.close();
  admin?.disconnect();
  await server?.stop();
});

describe('sampled census: keys that never expire', () => {
  it('Redis holds the keyspace the test expects (some globs have no TTL at all)', async () => {
    expect(await admin.dbsize()).toBe(KEYS);
    const never = [...truth.values()].filter((g) => g.keys > 0 && g.keysWithoutTtl === g.keys);
    expect(never.length).toBeGreaterThanOrEqual(4);
  });

  it.each(SAMPLES)('--sample %i: no pattern has more keys without TTL than keys', (sample) => {
    const census = censuses.get(sample) as CensusResult;
    expect(census.sampled).toBe(true);
    for (const p of census.patterns) {
      expect(p.keysWithoutTtl, p.pattern).toBeLessThanOrEqual(p.keys);
      expect(p.ttlBuckets.none, p.pattern).toBe(p.keysWithoutTtl);
    }
    expect(census.totalKeysWithoutTtl).toBeLessThanOrEqual(census.totalKeys);
    expect(census.totalKeysWithoutTtl).toBe(census.patterns.reduce((n, p) => n + p.keysWithoutTtl, 0));
  });

  it.each(SAMPLES)(
    '--sample %i: every glob Redis says never expires is flagged, and the headline counts it',
    (sample) => {
      const census = censuses.get(sample) as CensusResult;
      const seen = census.patterns.filter((p) => p.keys > 0 && truth.has(p.pattern));
      const neverInRedis = seen.filter((p) => {
        const g = truth.get(p.pattern) as GlobTruth;
        return g.keysWithoutTtl === g.keys;
      });
      expect(neverInRedis.length).toBeGreaterThanOrEqual(4);
      const view = buildCensusView(census, { t: recordingT, lang: 'en', top: census.patterns.length });
      for (const p of neverInRedis) {
        expect(p.keysWithoutTtl, p.pattern).toBe(p.keys);
        expect(view.rows.find((r) => r.pattern === p.pattern)?.neverExpires, p.pattern).toBe(true);
      }
      // Patterns with TTL keys in Redis are seen with some of them (each holds ≥ 15 % of its keys with a TTL).
      const flagged = view.rows.filter((r) => r.neverExpires).map((r) => r.pattern);
      expect(flagged.sort()).toEqual(neverInRedis.map((p) => p.pattern).sort());
      expect(view.neverExpiresLine).toContain(`count=${neverInRedis.length},`);
    },
  );
});
