/**
 * The burst hunt on a real redis-server holding the demo dataset, where a burst of one pattern's
 * keys (one fixed TTL) was written at a known time: RESTOREd with PX = TTL − age and IDLETIME = age,
 * which is what Redis would hold had they been written `age` ago and not read since. The app keeps
 * writing the pattern at its usual rate (a few keys with the full TTL now). With two census snapshots around the burst, and with no
 * earlier snapshot: the burst pattern is ranked first and the burst start is within 2 minutes of
 * the truth. No memory series: the hunt stands on Redis alone.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotReader } from '../../src/burst/census-evidence.js';
import { huntBurst } from '../../src/burst/hunt.js';
import { runCensus } from '../../src/census/run-census.js';
import type { CensusResult } from '../../src/census/types.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';

const DATASET_KEYS = 20_000;
const BURST_KEYS = 3_000;
const STEADY_KEYS = 30;
const TTL_MS = 20 * 60_000;
/** The burst was written over two minutes, starting this long before the test began writing. */
const BURST_AGE_MS = 9 * 60_000;
const BURST_SPREAD_MS = 2 * 60_000;

function clusterOf(url: string): ClusterConfig {
  return {
    name: 'local',
    url,
    mode: 'standalone',
    thresholds: { warning: 60, critical: 70, emergency: 85 },
    approvers: { users: [], groups: [] },
  };
}

/** Snapshots kept in memory as a store would list them (newest first). */
function memorySnapshots(results: CensusResult[]): SnapshotReader {
  const byId = new Map(results.map((r, i) => [`snap-${i}`, r]));
  return {
    list: async () =>
      [...byId.entries()]
        .sort((a, b) => Date.parse(b[1].finishedAt) - Date.parse(a[1].finishedAt))
        .map(([id, r]) => ({
          id,
          cluster: r.cluster,
          finishedAt: r.finishedAt,
          totalKeys: r.totalKeys,
          totalKeysWithoutTtl: r.totalKeysWithoutTtl,
          totalBytes: r.totalBytes,
          sampled: r.sampled,
        })),
    get: async (_cluster, id) => byId.get(id),
  };
}

describe('burst hunt on a real Redis', { timeout: budgetMs(6 * (DATASET_KEYS + BURST_KEYS)) }, () => {
  let server: LocalRedis;
  let admin: Redis;
  let conn: TargetConnection;
  let truth: number;
  let before: CensusResult;

  beforeAll(async () => {
    server = await startLocalRedis();
    admin = new Redis(server.url);
    await loadDataset(admin, { keys: DATASET_KEYS });
    conn = await connectTarget({ name: 'local', url: server.url, mode: 'standalone' });
    before = await runCensus(conn, { cluster: 'local', throttle: false });
    const t0 = Date.now();
    truth = t0 - BURST_AGE_MS;
    // The census before was taken twenty minutes before the burst began.
    const at = new Date(truth - 20 * 60_000).toISOString();
    before = { ...before, startedAt: at, finishedAt: at };
    await admin.set('template', 'x'.repeat(200));
    const dump = await admin.dumpBuffer('template');
    await admin.del('template');
    const p = admin.pipeline();
    for (let i = 0; i < BURST_KEYS; i++) {
      const writtenAt = truth + Math.floor((i / BURST_KEYS) * BURST_SPREAD_MS);
      const age = Date.now() - writtenAt;
      p.call(
        'RESTORE',
        `campaign:push:${100000 + i}`,
        TTL_MS - age,
        dump,
        'IDLETIME',
        Math.floor(age / 1000),
      );
    }
    for (let i = 0; i < STEADY_KEYS; i++) p.set(`campaign:push:${900000 + i}`, 'x'.repeat(200), 'PX', TTL_MS);
    await p.exec();
  });

  afterAll(async () => {
    await conn?.close();
    admin?.disconnect();
    await server?.stop();
  });

  const burstKey = Buffer.from('campaign:push:100001');
  const window = () => ({ from: new Date(truth - 15 * 60_000), to: new Date() });

  it('between two snapshots: the pattern that grew is first, dated within 2 minutes', async () => {
    const after = await runCensus(conn, { cluster: 'local', throttle: false });
    const report = await huntBurst(clusterOf(server.url), window(), {
      conn,
      snapshots: memorySnapshots([before, after]),
      throttle: false,
    });
    const top = report.candidates[0];
    expect(top?.kind).toBe('pattern');
    expect(compileGlob(top?.name ?? '')(burstKey)).toBe(true);
    expect(top?.name.startsWith('*')).toBe(false);
    // Redis itself: the diff counts the keys SCAN finds under the pattern.
    expect(top?.keysDelta).toBe(BURST_KEYS + STEADY_KEYS);
    expect(report.census?.beforeId).toBe('snap-0');
    expect(report.redisBurstStart).toBeDefined();
    expect(Math.abs((report.redisBurstStart?.getTime() ?? 0) - truth)).toBeLessThanOrEqual(2 * 60_000);
  });

  it('with no earlier snapshot: the young keys alone rank and date the burst', async () => {
    // The store holds only a census taken now, after the burst: nothing to diff against.
    const now = await runCensus(conn, { cluster: 'local', throttle: false });
    const report = await huntBurst(clusterOf(server.url), window(), {
      conn,
      snapshots: memorySnapshots([now]),
      throttle: false,
    });
    expect(report.sources.find((s) => s.source === 'census')).toEqual({
      source: 'census',
      state: 'no_snapshot',
      notes: [{ key: 'burst:notes.census_no_snapshot' }],
    });
    expect(report.census).toBeUndefined();
    const top = report.candidates[0];
    expect(top?.kind).toBe('pattern');
    expect(compileGlob(top?.name ?? '')(burstKey)).toBe(true);
    expect(top?.name.startsWith('*')).toBe(false);
    const young = report.youngKeys?.patterns.find((p) => p.pattern === top?.name);
    expect(young?.dating).toBe('fixed_ttl');
    // The TTL the keys were written with, within the idle time's one-second grain.
    expect(Math.abs((young?.typicalTtlMs ?? 0) - TTL_MS)).toBeLessThanOrEqual(3_000);
    expect(Math.abs((report.redisBurstStart?.getTime() ?? 0) - truth)).toBeLessThanOrEqual(2 * 60_000);
  });
});
