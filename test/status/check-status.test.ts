/**
 * The pure parts of a status check: where memory stands against the thresholds, and the notes that
 * spell out what an SRE would otherwise have to spot in INFO by eye. Expectations are worked out by
 * hand from the snapshot's figures.
 */
import { describe, expect, it } from 'vitest';
import type { RedisSnapshot } from '../../src/redis/snapshot.js';
import type { StatusTarget } from '../../src/status/check-status.js';
import { connectionNotes, memoryLevel, redisNotes } from '../../src/status/check-status.js';

const MiB = 2 ** 20;
const RUNBOOK = { warning: 75, critical: 85, emergency: 95 };

type NodeSnapshot = RedisSnapshot['nodes'][number];

function node(over: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return {
    address: '127.0.0.1:6379',
    role: 'master',
    clusterEnabled: false,
    version: '7.0.15',
    usedMemoryBytes: 50 * MiB,
    usedMemoryPeakBytes: 60 * MiB,
    usedMemoryRssBytes: 55 * MiB,
    maxmemoryBytes: 100 * MiB,
    totalSystemMemoryBytes: 1024 * MiB,
    memoryPct: 50,
    fragmentationRatio: 1.1,
    maxmemoryPolicy: 'allkeys-lru',
    evictedKeys: 0,
    expiredKeys: 0,
    opsPerSec: 0,
    connectedClients: 1,
    uptimeSeconds: 100,
    keys: 1000,
    keysWithTtl: 1000,
    dbs: [],
    ...over,
  };
}

/** A healthy standalone server: every key has a TTL, allkeys-lru, a limit, nothing evicted. */
function snapshot(over: Partial<RedisSnapshot> = {}): RedisSnapshot {
  return {
    takenAt: new Date('2026-02-12T14:16:00Z'),
    mode: 'standalone',
    nodes: [node()],
    usedMemoryBytes: 50 * MiB,
    usedMemoryPeakBytes: 60 * MiB,
    maxmemoryBytes: 100 * MiB,
    memoryPct: 50,
    fragmentationRatio: 1.1,
    maxmemoryPolicy: 'allkeys-lru',
    policyMismatch: false,
    evictedKeys: 0,
    expiredKeys: 0,
    opsPerSec: 0,
    connectedClients: 1,
    keys: 1000,
    keysWithTtl: 1000,
    keysWithoutTtl: 0,
    version: '7.0.15',
    ...over,
  };
}

describe('memoryLevel', () => {
  it('places a percentage against the thresholds, each threshold itself included in its level', () => {
    expect(memoryLevel(0, RUNBOOK)).toBe('ok');
    expect(memoryLevel(74.9, RUNBOOK)).toBe('ok');
    expect(memoryLevel(75, RUNBOOK)).toBe('warning');
    expect(memoryLevel(84.6, RUNBOOK)).toBe('warning'); // the runbook's reading at 14:16
    expect(memoryLevel(85, RUNBOOK)).toBe('critical');
    expect(memoryLevel(89.4, RUNBOOK)).toBe('critical');
    expect(memoryLevel(95, RUNBOOK)).toBe('emergency');
    expect(memoryLevel(120, RUNBOOK)).toBe('emergency');
  });

  it('no limit (maxmemory 0) is unknown, not ok', () => {
    expect(memoryLevel(null, RUNBOOK)).toBe('unknown');
  });
});

describe('connectionNotes', () => {
  const target: StatusTarget = {
    name: 'prod',
    url: 'rediss://cache.example:6379',
    mode: 'standalone',
    thresholds: RUNBOOK,
  };

  it('says so when certificate checks are off, and nothing otherwise', () => {
    expect(connectionNotes({ ...target, tls: { insecure: true } })).toEqual([{ key: 'notes.tls_insecure' }]);
    expect(connectionNotes(target)).toEqual([]);
    expect(connectionNotes({ ...target, tls: { insecure: false } })).toEqual([]);
  });
});

describe('redisNotes', () => {
  it('a healthy server gets no note', () => {
    expect(redisNotes(snapshot())).toEqual([]);
  });

  it('volatile-* with keys that never expire: those keys are out of eviction’s reach, with count and share', () => {
    const notes = redisNotes(
      snapshot({ maxmemoryPolicy: 'volatile-lru', keys: 2_623_709, keysWithoutTtl: 329_044 }),
    );
    // 329,044 / 2,623,709 = 12.541…% → 12.5
    expect(notes).toEqual([
      { key: 'notes.volatile_immune', values: { policy: 'volatile-lru', count: 329_044, pct: 12.5 } },
    ]);
    // Every key with a TTL: nothing is immune.
    expect(redisNotes(snapshot({ maxmemoryPolicy: 'volatile-ttl' }))).toEqual([]);
  });

  it('no limit, noeviction, evictions and a policy mismatch each get their note', () => {
    expect(redisNotes(snapshot({ maxmemoryBytes: 0, memoryPct: null }))).toEqual([
      { key: 'notes.no_maxmemory' },
    ]);
    expect(redisNotes(snapshot({ maxmemoryPolicy: 'noeviction' }))).toEqual([{ key: 'notes.noeviction' }]);
    expect(redisNotes(snapshot({ evictedKeys: 12 }))).toEqual([
      { key: 'notes.evictions', values: { count: 12 } },
    ]);
    expect(redisNotes(snapshot({ policyMismatch: true }))).toEqual([{ key: 'notes.policy_mismatch' }]);
  });

  it('a replica or a cluster node configured as standalone is named', () => {
    const replica = node({ address: '10.0.0.2:6379', role: 'slave' });
    expect(redisNotes(snapshot({ nodes: [replica] }))).toEqual([
      { key: 'notes.replica', values: { node: '10.0.0.2:6379' } },
    ]);
    expect(redisNotes(snapshot({ nodes: [node({ clusterEnabled: true })] }))).toEqual([
      { key: 'notes.cluster_enabled_standalone' },
    ]);
    // In cluster mode a cluster node is what is expected.
    expect(redisNotes(snapshot({ mode: 'cluster', nodes: [node({ clusterEnabled: true })] }))).toEqual([]);
  });

  it('fragmentation: only above 1.5 and only once used memory is over 100 MiB (small servers always look fragmented)', () => {
    expect(redisNotes(snapshot({ fragmentationRatio: 1.876, usedMemoryBytes: 200 * MiB }))).toEqual([
      { key: 'notes.fragmentation', values: { ratio: 1.88 } },
    ]);
    expect(redisNotes(snapshot({ fragmentationRatio: 1.5, usedMemoryBytes: 200 * MiB }))).toEqual([]);
    expect(redisNotes(snapshot({ fragmentationRatio: 3, usedMemoryBytes: 100 * MiB }))).toEqual([]);
    expect(redisNotes(snapshot({ fragmentationRatio: null, usedMemoryBytes: 200 * MiB }))).toEqual([]);
  });

  it('cluster skew: the fullest primary named when primaries differ by 10 points or more', () => {
    const nodes = [
      node({ address: 'a:1', memoryPct: 40.04 }),
      node({ address: 'b:1', memoryPct: 50.06 }),
      node({ address: 'c:1', memoryPct: 45 }),
    ];
    expect(redisNotes(snapshot({ mode: 'cluster', nodes }))).toEqual([
      { key: 'notes.cluster_skew', values: { node: 'b:1', max: 50.1, min: 40 } },
    ]);
    // 9.9 points apart: no note.
    const close = [node({ address: 'a:1', memoryPct: 40 }), node({ address: 'b:1', memoryPct: 49.9 })];
    expect(redisNotes(snapshot({ mode: 'cluster', nodes: close }))).toEqual([]);
    // A primary without a limit: the spread means nothing.
    const unlimited = [node({ address: 'a:1', memoryPct: 10 }), node({ address: 'b:1', memoryPct: null })];
    expect(redisNotes(snapshot({ mode: 'cluster', nodes: unlimited }))).toEqual([]);
  });
});
