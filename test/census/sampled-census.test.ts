/**
 * A sampled census (`keys --sample N`) on a real redis-server holding the demo dataset plus a few
 * big single keys (each its own pattern): the scaled counts keep the "never expires" flag of
 * patterns that have no TTL at all, and the 95 % bounds are sound: they hold Redis's counts, shrink
 * as the sample grows, and a pattern seen a handful of times is reported as unreliable instead of
 * widening the headline. Truth is Redis's own: SCAN MATCH per glob and PTTL of every key it returns.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCensus } from '../../src/census/run-census.js';
import type { CensusResult, PatternStats } from '../../src/census/types.js';
import { toCensusJson } from '../../src/cli/render/census-json.js';
import { describeDataset, loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { buildCensusView } from '../../src/presenters/census-view.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';
import { recordingT } from '../support/recording-t.js';

const KEYS = 53_000;
const SAMPLES = [2_000, 5_000, 10_000, 20_000];
/** Big single keys no TTL rule or inference could group: a sample sees each once or not at all. */
const BLOBS = Array.from({ length: 20 }, (_, i) => `legacy:report:blob:${i}`);
const BLOB_BYTES = 100_000;
const GLOBS = [...Object.keys(describeDataset({ keys: KEYS }).patterns), ...BLOBS];

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
    for (const blob of BLOBS) await admin.set(blob, 'x'.repeat(BLOB_BYTES));
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
    expect(await admin.dbsize()).toBe(KEYS + BLOBS.length);
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

/** Redis's count of a glob inside the pattern's stated 95 % interval. */
function inside(p: PatternStats, truthKeys: number): boolean {
  const b = p.errorBound;
  if (!b || b.keysLow === undefined || b.keysHigh === undefined) return false;
  return b.keysLow <= truthKeys && truthKeys <= b.keysHigh;
}

describe('sampled census: error bounds', () => {
  it.each(SAMPLES)(
    '--sample %i: a pattern seen a few times is reported as unreliable and does not drive the headline',
    (sample) => {
      const census = censuses.get(sample) as CensusResult;
      const rare = census.patterns.filter((p) => BLOBS.includes(p.pattern) && p.keys > 0);
      for (const p of rare) {
        expect(p.errorBound?.seen, p.pattern).toBe(1);
        expect(p.errorBound?.reliable, p.pattern).toBe(false);
      }
      // The dataset's patterns hold ≥ 2 % of the keys each, or are seen a few times at most.
      expect(census.errorBound).toBeGreaterThan(0);
      expect(census.errorBound).toBeLessThan(0.6);
      const view = buildCensusView(census, { t: recordingT, lang: 'en', top: census.patterns.length });
      if (rare.length > 0) {
        const note = view.notes.find((n) => n.startsWith('census:note.unreliable'));
        expect(note).toBeDefined();
        for (const p of rare.slice(0, 3)) expect(note).toContain(p.pattern);
      }
    },
  );

  it('keys --json carries each pattern\u2019s interval, seen count and reliability', () => {
    const census = censuses.get(10_000) as CensusResult;
    const json = toCensusJson(census);
    const patterns = json.patterns as {
      pattern: string;
      keys: number;
      error_bound: Record<string, unknown>;
    }[];
    for (const p of patterns) {
      const b = p.error_bound;
      expect(b.keys_low as number, p.pattern).toBeLessThanOrEqual(p.keys);
      expect(b.keys_high as number, p.pattern).toBeGreaterThanOrEqual(p.keys);
      expect(b.reliable, p.pattern).toBe((b.seen as number) >= 30);
    }
    expect(json.error_bound).toBe(census.errorBound);
  });

  it('the headline bound does not grow as the sample grows', () => {
    const bounds = SAMPLES.map((s) => (censuses.get(s) as CensusResult).errorBound ?? Number.NaN);
    for (let i = 1; i < bounds.length; i++) {
      // Allow a little noise: the patterns near the 1 % line differ from sample to sample.
      expect(bounds[i], `--sample ${SAMPLES[i]} after ${SAMPLES[i - 1]}: ${bounds}`).toBeLessThanOrEqual(
        (bounds[i - 1] as number) * 1.1,
      );
    }
    expect(bounds.at(-1)).toBeLessThan((bounds[0] as number) * 0.6);
  });

  it('every big pattern\u2019s interval narrows as the sample grows', () => {
    const big = [...truth.entries()].filter(([, g]) => g.keys >= KEYS * 0.05).map(([glob]) => glob);
    expect(big.length).toBeGreaterThanOrEqual(5);
    for (const glob of big) {
      const widths = SAMPLES.map((s) => {
        const b = (censuses.get(s) as CensusResult).patterns.find((p) => p.pattern === glob)?.errorBound;
        return (b?.keysHigh ?? Number.NaN) - (b?.keysLow ?? Number.NaN);
      });
      for (let i = 1; i < widths.length; i++)
        expect(widths[i], `${glob}: ${widths}`).toBeLessThan(widths[i - 1] as number);
    }
  });
});

describe('sampled census: coverage of the 95 % intervals over seeded keyspaces', () => {
  const TRIAL_KEYS = 20_000;
  const TRIAL_SAMPLE = 2_000;
  const SEEDS = Array.from({ length: 30 }, (_, i) => 1_000 + i * 7);
  const globs = Object.keys(describeDataset({ keys: TRIAL_KEYS }).patterns);
  let trialServer: LocalRedis;
  let trialAdmin: Redis;
  let trialConn: TargetConnection;

  beforeAll(async () => {
    trialServer = await startLocalRedis();
    trialAdmin = new Redis(trialServer.port, '127.0.0.1');
    trialConn = await connectTarget({ name: 'trial', url: trialServer.url, mode: 'standalone' });
  }, 30_000);

  afterAll(async () => {
    await trialConn?.close();
    trialAdmin?.disconnect();
    await trialServer?.stop();
  });

  it(
    'Redis\u2019s count of every pattern with ≥ 5 % of the keys lies inside its interval in ≥ 90 % of trials',
    async () => {
      let checked = 0;
      let held = 0;
      for (const seed of SEEDS) {
        await trialAdmin.flushall();
        await loadDataset(trialAdmin, { keys: TRIAL_KEYS, seed });
        const trialTruth = await redisTruth(trialAdmin, globs);
        const census = await runCensus(trialConn, {
          cluster: 'trial',
          sample: TRIAL_SAMPLE,
          throttle: false,
          rules: globs.map((pattern) => ({ pattern })),
        });
        expect(census.sampled).toBe(true);
        for (const p of census.patterns) {
          const g = trialTruth.get(p.pattern);
          if (!g || g.keys < TRIAL_KEYS * 0.05) continue;
          checked++;
          if (inside(p, g.keys)) held++;
        }
      }
      expect(checked).toBeGreaterThanOrEqual(SEEDS.length * 5);
      expect(held / checked, `${held} of ${checked} intervals held the count`).toBeGreaterThanOrEqual(0.9);
    },
    budgetMs(SEEDS.length * (TRIAL_KEYS * 3 + TRIAL_SAMPLE)),
  );
});
