/**
 * Census snapshots on the queue Redis: the store keeps the newest 30 per cluster (the README's
 * promise, and what `keys diff` ranks growth from), drops the oldest, and leaves other clusters alone.
 * Counted from Redis itself (SCAN of the record keys), not only from the store's own listing.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { SnapshotStore, snapshotId } from '../../src/census/snapshot-store.js';
import type { CensusResult } from '../../src/census/types.js';
import { test } from '../support/fixtures.js';

const PREFIX = 'medic-snap-test';
const START = Date.parse('2026-03-01T00:00:00Z');

function result(cluster: string, i: number): CensusResult {
  const at = new Date(START + i * 60_000).toISOString();
  return {
    cluster,
    startedAt: at,
    finishedAt: at,
    scannedKeys: 100 + i,
    dbsize: 100 + i,
    sampled: false,
    fraction: 1,
    totalKeys: 100 + i,
    totalKeysWithoutTtl: i,
    totalBytes: 1000 * i,
    bytesEstimated: false,
    patterns: [],
    overflowFolded: 0,
    durationMs: 10,
    keysPerSec: 10_000,
    vanished: 0,
    throttlePauses: 0,
  };
}

async function recordKeys(redis: Redis, cluster: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${PREFIX}:census:${cluster}:snap:*`,
      'COUNT',
      1000,
    );
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

describe('SnapshotStore with the defaults the bot and the CLI use', () => {
  let redis: Redis;

  // The file's redis-server (its client) comes from the shared fixture.
  test.beforeAll(({ admin }) => {
    redis = admin;
  });

  it('keeps the newest 30 snapshots per cluster: the 31st and 32nd push out the two oldest', async () => {
    const store = new SnapshotStore(redis, { prefix: PREFIX });
    const ids: string[] = [];
    for (let i = 0; i < 32; i++) ids.push(await store.save(result('market', i)));
    for (let i = 0; i < 3; i++) await store.save(result('other', i));

    const kept = ids.slice(2);
    expect(await recordKeys(redis, 'market')).toEqual(
      kept.map((id) => `${PREFIX}:census:market:snap:${id}`).sort(),
    );
    expect(await redis.zcard(`${PREFIX}:census:market:index`)).toBe(30);
    for (const gone of ids.slice(0, 2)) expect(await store.get('market', gone)).toBeUndefined();
    expect(ids[0]).toBe(snapshotId(new Date(START)));

    const listed = await store.list('market');
    expect(listed.map((s) => s.id)).toEqual([...kept].reverse());
    expect(listed[listed.length - 1]?.totalKeys).toBe(102);
    // Another cluster's snapshots are counted on their own.
    expect(await recordKeys(redis, 'other')).toHaveLength(3);
  });
});

describe('two censuses finishing within one second', () => {
  test('are both kept, in order, and keys diff has two to compare', async ({ admin }) => {
    const store = new SnapshotStore(admin, { prefix: PREFIX });
    const first = result('same', 1);
    const second = {
      ...result('same', 1),
      finishedAt: new Date(START + 60_000 + 400).toISOString(),
      totalKeys: 999,
    };
    const a = await store.save(first);
    const b = await store.save(second);
    expect(a).not.toBe(b);
    // Redis holds both records; the newest is the second one
    expect(await recordKeys(admin, 'same')).toHaveLength(2);
    expect((await store.get('same', b))?.totalKeys).toBe(999);
    expect((await store.get('same', a))?.totalKeys).toBe(101);
    expect(await store.latestId('same')).toBe(b);
  });
});
