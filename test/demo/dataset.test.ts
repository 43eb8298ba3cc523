import { createHash } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterKeySlot,
  type DatasetGroundTruth,
  describeDataset,
  generateDataset,
  loadDataset,
  RUNBOOK_KEYSPACE,
  setMaxmemoryForTargetPct,
} from '../../src/demo/dataset.js';
import {
  type LocalRedis,
  type LocalRedisCluster,
  startLocalRedis,
  startLocalRedisCluster,
} from '../../src/demo/local-redis.js';

const KEYS = 20_000;
const MIN = 60_000;

/** Hash of key names, types and TTL presence, in generation order. */
function fingerprint(keys: number, seed?: number): string {
  const hash = createHash('sha256');
  for (const rec of generateDataset({ keys, ...(seed === undefined ? {} : { seed }) })) {
    hash.update(`${rec.key}|${rec.type}|${rec.ttlMs === null ? '-' : '+'}\n`);
  }
  return hash.digest('hex');
}

function infoNumber(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return Number(match?.[1]);
}

function keyspace(info: string): { keys: number; expires: number } {
  const match = /db0:keys=(\d+),expires=(\d+)/.exec(info);
  return { keys: Number(match?.[1] ?? 0), expires: Number(match?.[2] ?? 0) };
}

function memoryPct(info: string): number {
  return (infoNumber(info, 'used_memory') / infoNumber(info, 'maxmemory')) * 100;
}

interface ScanCount {
  keys: number;
  keysWithoutTtl: number;
  types: Set<string>;
  pttls: number[];
}

/** Counts every key on one server by pattern prefix, with PTTL and TYPE read for each. */
async function scanByPattern(redis: Redis, prefixes: Map<string, string>): Promise<Map<string, ScanCount>> {
  const seen = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) seen.add(key);
  } while (cursor !== '0');
  const all = [...seen];
  const counts = new Map<string, ScanCount>();
  for (let i = 0; i < all.length; i += 2000) {
    const chunk = all.slice(i, i + 2000);
    const pipeline = redis.pipeline();
    for (const key of chunk) pipeline.pttl(key).type(key);
    const results = (await pipeline.exec()) ?? [];
    chunk.forEach((key, j) => {
      const pttl = results[j * 2]?.[1] as number;
      const type = results[j * 2 + 1]?.[1] as string;
      const pattern = [...prefixes].find(([prefix]) => key.startsWith(prefix))?.[1] ?? '(unmatched)';
      const c = counts.get(pattern) ?? { keys: 0, keysWithoutTtl: 0, types: new Set<string>(), pttls: [] };
      c.keys++;
      if (pttl === -1) c.keysWithoutTtl++;
      else c.pttls.push(pttl);
      c.types.add(type);
      counts.set(pattern, c);
    });
  }
  return counts;
}

function prefixMap(keys: number): Map<string, string> {
  return new Map(Object.values(describeDataset({ keys }).patterns).map((p) => [p.prefix, p.pattern]));
}

describe('dataset generator (no server)', () => {
  it('is deterministic per seed and differs across seeds', () => {
    expect(fingerprint(5_000)).toBe(fingerprint(5_000));
    expect(fingerprint(5_000, 7)).toBe(fingerprint(5_000, 7));
    expect(fingerprint(5_000, 7)).not.toBe(fingerprint(5_000));
    const a = [...generateDataset({ keys: 2_000, seed: 1 })].map((r) => r.key);
    const b = new Set([...generateDataset({ keys: 2_000, seed: 2 })].map((r) => r.key));
    expect(a.filter((k) => b.has(k)).length).toBeLessThan(a.length / 2);
  });

  it('gives unique key names, each matching exactly one pattern, with the counts describeDataset promises', () => {
    const spec = describeDataset({ keys: 30_000 });
    const prefixes = Object.values(spec.patterns).map((p) => p.prefix);
    const names = new Set<string>();
    const perPattern = new Map<string, { keys: number; withTtl: number }>();
    for (const rec of generateDataset({ keys: 30_000 })) {
      names.add(rec.key);
      expect(prefixes.filter((p) => rec.key.startsWith(p))).toEqual([spec.patterns[rec.pattern]?.prefix]);
      const c = perPattern.get(rec.pattern) ?? { keys: 0, withTtl: 0 };
      c.keys++;
      if (rec.ttlMs !== null) c.withTtl++;
      perPattern.set(rec.pattern, c);
    }
    expect(names.size).toBe(30_000);
    for (const p of Object.values(spec.patterns)) {
      expect(perPattern.get(p.pattern)).toEqual({ keys: p.keys, withTtl: p.keysWithTtl });
    }
  });

  it('keeps the runbook proportions at every size', () => {
    for (const keys of [13, 1_000, 20_000, 1_000_000, RUNBOOK_KEYSPACE.totalKeys]) {
      const spec = describeDataset({ keys });
      const patterns = Object.values(spec.patterns);
      expect(patterns.reduce((a, p) => a + p.keys, 0)).toBe(keys);
      expect(spec.keysWithTtl + spec.keysWithoutTtl).toBe(keys);
      for (const p of patterns) expect(p.keys).toBeGreaterThanOrEqual(1);
      if (keys >= 1_000) expect((spec.keysWithoutTtl / keys) * 100).toBeCloseTo(39.4, 0);
    }
    const full = describeDataset({ keys: RUNBOOK_KEYSPACE.totalKeys });
    expect(full.patterns['MARKETING:COUPON:UNREAD:*']?.keys).toBe(147_111);
    expect(full.patterns['contact:userGroupLabel:set:*']?.keys).toBe(177_450);
    expect(full.patterns['exchange:coupon:high:commodity:price:*']?.keys).toBe(473);
    expect(full.patterns['contact:last:activity:*']?.keys).toBe(374_639);
    expect(Math.abs(full.keysWithoutTtl - RUNBOOK_KEYSPACE.keysWithoutTtl)).toBeLessThan(10);
    expect(() => describeDataset({ keys: 5 })).toThrow(/keys must be/);
  });

  it('computes the same hash slots as Redis Cluster', () => {
    // Reference values from CLUSTER KEYSLOT (Redis 7.0).
    expect(clusterKeySlot('foo')).toBe(12_182);
    expect(clusterKeySlot('{user1000}.following')).toBe(clusterKeySlot('user1000'));
    expect(clusterKeySlot('123456789')).toBe(0x31c3 & 0x3fff);
    expect(clusterKeySlot('{}x')).not.toBe(clusterKeySlot('x'));
  });
});

describe('loadDataset on a standalone server', () => {
  let server: LocalRedis;
  let redis: Redis;
  let truth: DatasetGroundTruth;
  const progress: number[] = [];

  beforeAll(async () => {
    // A password exercises the raw writer's AUTH.
    server = await startLocalRedis({ password: 'medic' });
    redis = new Redis(server.url);
    truth = await loadDataset(redis, { keys: KEYS, onProgress: (done) => progress.push(done) });
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it('writes exactly the ground truth: DBSIZE and INFO keyspace expires', async () => {
    expect(truth.totalKeys).toBe(KEYS);
    expect(await redis.dbsize()).toBe(truth.totalKeys);
    expect(keyspace(await redis.info('keyspace'))).toEqual({ keys: KEYS, expires: truth.keysWithTtl });
    expect(truth.keysWithTtl + truth.keysWithoutTtl).toBe(KEYS);
    expect(Math.abs((truth.keysWithoutTtl / KEYS) * 100 - 39.4)).toBeLessThanOrEqual(1);
    const spec = describeDataset({ keys: KEYS });
    for (const p of Object.values(spec.patterns)) {
      expect(truth.patterns[p.pattern]).toMatchObject({
        type: p.type,
        keys: p.keys,
        keysWithTtl: p.keysWithTtl,
        keysWithoutTtl: p.keysWithoutTtl,
      });
    }
    expect(progress.at(-1)).toBe(KEYS);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('matches the ground truth per pattern, by a SCAN of the server', async () => {
    const counts = await scanByPattern(redis, prefixMap(KEYS));
    expect(counts.has('(unmatched)')).toBe(false);
    for (const [pattern, t] of Object.entries(truth.patterns)) {
      const c = counts.get(pattern);
      expect({
        pattern,
        keys: c?.keys,
        keysWithoutTtl: c?.keysWithoutTtl,
        types: [...(c?.types ?? [])],
      }).toEqual({
        pattern,
        keys: t.keys,
        keysWithoutTtl: t.keysWithoutTtl,
        types: [t.type],
      });
    }
    // The burst: every key has a TTL of 11–29 min (less the seconds the test has taken).
    const burst = counts.get('marketing:campaign:push:*');
    expect(burst?.keysWithoutTtl).toBe(0);
    expect(Math.max(...(burst?.pttls ?? []))).toBeLessThanOrEqual(29 * MIN);
    expect(Math.min(...(burst?.pttls ?? []))).toBeGreaterThan(11 * MIN - 60_000);
    const lastActivity = counts.get('contact:last:activity:*');
    expect(Math.min(...(lastActivity?.pttls ?? []))).toBeGreaterThan(299 * 86_400_000);
  });

  it('writes realistic values: hashes of 3–10 fields, sets of 2–20 members', async () => {
    const [, profiles] = await redis.scan(0, 'MATCH', 'contact:profile:*', 'COUNT', 5000);
    const [, wallets] = await redis.scan(0, 'MATCH', 'user:coupon:wallet:*', 'COUNT', 5000);
    expect(profiles.length).toBeGreaterThan(10);
    expect(wallets.length).toBeGreaterThan(5);
    for (const key of profiles.slice(0, 50)) {
      const n = await redis.hlen(key);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(10);
    }
    for (const key of wallets.slice(0, 50)) {
      const n = await redis.scard(key);
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(20);
    }
    const [, pushes] = await redis.scan(0, 'MATCH', 'marketing:campaign:push:*', 'COUNT', 5000);
    const len = await redis.strlen(pushes[0] as string);
    expect(len).toBeGreaterThan(100);
    expect(len).toBeLessThan(500);
  });

  it('lands memory % near the target and sets volatile-lfu', async () => {
    const maxmemory = await setMaxmemoryForTargetPct(redis, RUNBOOK_KEYSPACE.memoryPct);
    const info = await redis.info('memory');
    expect(infoNumber(info, 'maxmemory')).toBe(maxmemory);
    expect(Math.abs(memoryPct(info) - 84.6)).toBeLessThanOrEqual(3);
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'volatile-lfu']);
  });

  it('gives the same result through ioredis pipelines and into another db', async () => {
    const db3 = new Redis({ port: server.port, host: '127.0.0.1', password: 'medic', db: 3 });
    try {
      const viaRaw = await loadDataset(db3, { keys: 2_000, seed: 9 });
      expect(await db3.dbsize()).toBe(2_000);
      await db3.flushdb();
      const viaIoredis = await loadDataset(db3, { keys: 2_000, seed: 9, writer: 'ioredis' });
      expect(viaIoredis).toEqual(viaRaw);
      const ks = /db3:keys=(\d+),expires=(\d+)/.exec(await db3.info('keyspace'));
      expect([Number(ks?.[1]), Number(ks?.[2])]).toEqual([2_000, viaRaw.keysWithTtl]);
      await db3.flushdb();
    } finally {
      db3.disconnect();
    }
  });

  it('rejects with the server error when writes fail (OOM)', async () => {
    const db5 = new Redis({ port: server.port, host: '127.0.0.1', password: 'medic', db: 5 });
    try {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      await redis.config('SET', 'maxmemory', '1');
      await expect(loadDataset(db5, { keys: 1_000 })).rejects.toThrow(/OOM/);
      await expect(loadDataset(db5, { keys: 1_000, writer: 'ioredis' })).rejects.toThrow(/OOM/);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
      db5.disconnect();
    }
  });
});

describe('loadDataset on a 3-primary cluster', () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startLocalRedisCluster({ primaries: 3 });
    client = new Cluster(cluster.nodes);
  });

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('writes the same dataset across the nodes', async () => {
    const truth = await loadDataset(client, { keys: KEYS });
    const standalone = describeDataset({ keys: KEYS });
    expect(truth.totalKeys).toBe(standalone.totalKeys);
    expect(truth.keysWithTtl).toBe(standalone.keysWithTtl);
    const primaries = client.nodes('master');
    expect(primaries).toHaveLength(3);
    const sizes = await Promise.all(primaries.map((n) => n.dbsize()));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(KEYS);
    for (const size of sizes) expect(size).toBeGreaterThan(KEYS / 5);
    const spaces = await Promise.all(primaries.map(async (n) => keyspace(await n.info('keyspace'))));
    expect(spaces.reduce((a, s) => a + s.expires, 0)).toBe(truth.keysWithTtl);

    const merged = new Map<string, number>();
    for (const node of primaries) {
      for (const [pattern, c] of await scanByPattern(node, prefixMap(KEYS))) {
        merged.set(pattern, (merged.get(pattern) ?? 0) + c.keysWithoutTtl);
      }
    }
    for (const [pattern, t] of Object.entries(truth.patterns))
      expect(merged.get(pattern) ?? 0).toBe(t.keysWithoutTtl);

    // Our slot function agrees with the server's.
    const sample = [...generateDataset({ keys: 200 })].map((r) => r.key);
    const first = primaries[0] as Redis;
    for (const key of sample.slice(0, 50))
      expect(clusterKeySlot(key)).toBe(await first.cluster('KEYSLOT', key));
  });

  it('sets maxmemory per primary', async () => {
    const total = await setMaxmemoryForTargetPct(client, 84.6);
    let sum = 0;
    for (const node of client.nodes('master')) {
      const info = await node.info('memory');
      sum += infoNumber(info, 'maxmemory');
      expect(Math.abs(memoryPct(info) - 84.6)).toBeLessThanOrEqual(3);
    }
    expect(sum).toBe(total);
  });
});
