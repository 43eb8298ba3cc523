/**
 * The counters behind two alerts, read the way the sampler reads them: keys without TTL growing
 * after a drop (a FLUSHALL inside the hour) is measured from the drop, not from an hour ago; and
 * evicted_keys is followed per primary, so one primary restarting (its counter back to 0) neither
 * hides another primary's evictions nor counts as evictions itself. The growth test drives a real
 * redis-server and checks the rate against DBSIZE; the eviction test feeds INFO of three primaries.
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { Alert, AlertPolicy } from '../../src/monitoring/alert-machine.js';
import { AlertStateStore } from '../../src/monitoring/alert-store.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { historySeries } from '../../src/monitoring/history-trend.js';
import { type MonitorDeps, runSampleTick } from '../../src/monitoring/monitor-tick.js';
import { silentLogger } from '../../src/observability/logger.js';
import { combineNodes, nodeSnapshotFromInfo, type RedisSnapshot } from '../../src/redis/snapshot.js';
import { test } from '../support/fixtures.js';

const THRESHOLDS = { warning: 60, critical: 70, emergency: 85 };
const MINUTE = 60_000;

function deps(queue: Redis, prefix: string, target: MonitorDeps['clusters'], policy: Partial<AlertPolicy>) {
  const posted: Alert[] = [];
  const d: MonitorDeps = {
    clusters: target,
    history: new HistoryStore(queue, { prefix }),
    alerts: new AlertStateStore(queue, prefix),
    reporter: { alert: async (r) => void posted.push(r.alert) },
    policy: () => ({
      thresholds: THRESHOLDS,
      hysteresisPct: 2,
      minDurationMs: 0,
      evictions: false,
      ...policy,
    }),
    logger: silentLogger(),
  };
  return { deps: d, posted };
}

async function addKeys(admin: Redis, from: number, count: number): Promise<void> {
  const args: string[] = [];
  for (let i = from; i < from + count; i++) args.push(`grow:${i}`, 'v');
  await admin.mset(...args);
}

describe('keys without TTL growing', () => {
  test('after a FLUSHALL the rate is measured from the drop: a climb of 300 a minute alerts at 18,000 an hour', async ({
    localRedis,
    admin,
    queueRedis,
  }) => {
    const queue = new Redis(queueRedis.url);
    try {
      const shop = { name: 'grow', url: localRedis.url, mode: 'standalone' as const, thresholds: THRESHOLDS };
      const { deps: d, posted } = deps(queue, 'ttlgrow', () => [shop], { keysWithoutTtlPerHour: 10_000 });
      const start = Date.now() - 40 * MINUTE;
      // 40,000 keys without TTL, then FLUSHALL at minute 5: the drop itself is no growth.
      for (let i = 0; i < 40_000; i += 5_000) await addKeys(admin, i, 5_000);
      await runSampleTick(d, start);
      await admin.flushall();
      await runSampleTick(d, start + 5 * MINUTE);
      expect(posted).toEqual([]);
      // Then 300 new keys without TTL a minute.
      let alertMinute: number | undefined;
      let keysAtAlert = 0;
      for (let minute = 6; minute <= 25; minute++) {
        await addKeys(admin, minute * 1_000, 300);
        await runSampleTick(d, start + minute * MINUTE);
        if (alertMinute === undefined && posted.length > 0) {
          alertMinute = minute;
          keysAtAlert = await admin.dbsize();
        }
      }
      // Judged once 10 minutes of history lie behind the lowest point (minute 5): at minute 15.
      expect(alertMinute).toBe(15);
      expect(posted.map((a) => a.kind)).toEqual(['ttl_growth']);
      // DBSIZE (all without TTL) grew from 0 at minute 5 over 10 minutes.
      expect(posted[0]?.ratePerHour).toBe(Math.round((keysAtAlert / 10) * 60));
      expect(posted[0]?.ratePerHour).toBe(18_000);
    } finally {
      await admin.flushall();
      queue.disconnect();
    }
  }, 60_000);
});

/** INFO of one primary, as much of it as the sampler reads. */
function info(evicted: number, uptime: number): string {
  return [
    '# Server',
    'redis_version:7.0.15',
    `uptime_in_seconds:${uptime}`,
    '# Memory',
    'used_memory:500000',
    'maxmemory:1000000',
    'maxmemory_policy:allkeys-lru',
    '# Stats',
    `evicted_keys:${evicted}`,
    '# Keyspace',
    'db0:keys=100,expires=100,avg_ttl=0',
  ].join('\r\n');
}

type Primary = { address: string; evicted: number; uptime: number };

describe('evictions, per primary', () => {
  test('one primary restarting hides no other primary’s evictions, and a primary joining with an old count fakes none', async ({
    queueRedis,
  }) => {
    const queue = new Redis(queueRedis.url);
    try {
      let primaries: Primary[] = [];
      const cluster = {
        name: 'three',
        url: 'redis://127.0.0.1:1',
        mode: 'cluster' as const,
        thresholds: THRESHOLDS,
      };
      const { deps: d, posted } = deps(queue, 'evict', () => [cluster], { evictions: true });
      d.read = async (): Promise<RedisSnapshot> =>
        combineNodes(
          'cluster',
          primaries.map((p) => nodeSnapshotFromInfo(p.address, info(p.evicted, p.uptime))),
        );
      const start = Date.now() - 60 * MINUTE;
      const tick = async (minute: number, shape: Primary[]) => {
        primaries = shape;
        await runSampleTick(d, start + minute * MINUTE);
      };
      // a has evicted 1,000 keys in its past; nothing evicts now.
      await tick(0, [
        { address: 'a:6379', evicted: 1_000, uptime: 10_000 },
        { address: 'b:6379', evicted: 0, uptime: 10_000 },
        { address: 'c:6379', evicted: 0, uptime: 10_000 },
      ]);
      // A fourth primary joins, carrying 5,000 evictions from before: not an eviction now.
      await tick(1, [
        { address: 'a:6379', evicted: 1_000, uptime: 10_060 },
        { address: 'b:6379', evicted: 0, uptime: 10_060 },
        { address: 'c:6379', evicted: 0, uptime: 10_060 },
        { address: 'd:6379', evicted: 5_000, uptime: 90_000 },
      ]);
      expect(posted).toEqual([]);
      // a restarts (counter back to 0) while b evicts 300 keys: the sum falls from 6,000 to 5,300,
      // yet b's 300 are evictions.
      await tick(2, [
        { address: 'a:6379', evicted: 0, uptime: 30 },
        { address: 'b:6379', evicted: 300, uptime: 10_120 },
        { address: 'c:6379', evicted: 0, uptime: 10_120 },
        { address: 'd:6379', evicted: 5_000, uptime: 90_060 },
      ]);
      expect(posted.map((a) => [a.kind, a.evictedSinceLast])).toEqual([['evictions', 300]]);
    } finally {
      queue.disconnect();
    }
  }, 60_000);

  test('a restarted primary counts what it evicted since its start, never a negative number', async ({
    queueRedis,
  }) => {
    const queue = new Redis(queueRedis.url);
    try {
      let primaries: Primary[] = [];
      const cluster = {
        name: 'restart',
        url: 'redis://127.0.0.1:1',
        mode: 'cluster' as const,
        thresholds: THRESHOLDS,
      };
      const { deps: d, posted } = deps(queue, 'evict2', () => [cluster], { evictions: true });
      d.read = async () =>
        combineNodes(
          'cluster',
          primaries.map((p) => nodeSnapshotFromInfo(p.address, info(p.evicted, p.uptime))),
        );
      const start = Date.now() - 60 * MINUTE;
      primaries = [
        { address: 'a:6379', evicted: 2_000, uptime: 10_000 },
        { address: 'b:6379', evicted: 0, uptime: 10_000 },
      ];
      await runSampleTick(d, start);
      // a restarted 40 s ago and has already evicted 1,500 keys (less than its old 2,000 and more
      // than nothing): the sum fell from 2,000 to 1,500, yet 1,500 keys were evicted.
      primaries = [
        { address: 'a:6379', evicted: 1_500, uptime: 40 },
        { address: 'b:6379', evicted: 0, uptime: 10_060 },
      ];
      await runSampleTick(d, start + MINUTE);
      expect(posted.map((a) => [a.kind, a.evictedSinceLast])).toEqual([['evictions', 1_500]]);
    } finally {
      queue.disconnect();
    }
  }, 60_000);
});

describe('evictions in the history (trend, verdict, chart)', () => {
  test('per primary as well: a joining primary’s old count and a restart are not evictions, another primary’s are', async ({
    queueRedis,
  }) => {
    const queue = new Redis(queueRedis.url);
    try {
      let primaries: Primary[] = [];
      const cluster = {
        name: 'hist',
        url: 'redis://127.0.0.1:1',
        mode: 'cluster' as const,
        thresholds: THRESHOLDS,
      };
      const { deps: d } = deps(queue, 'evict3', () => [cluster], { evictions: true });
      d.read = async () =>
        combineNodes(
          'cluster',
          primaries.map((p) => nodeSnapshotFromInfo(p.address, info(p.evicted, p.uptime))),
        );
      const start = Date.now() - 60 * MINUTE;
      const shapes: Primary[][] = [
        [
          { address: 'a:6379', evicted: 1_000, uptime: 10_000 },
          { address: 'b:6379', evicted: 0, uptime: 10_000 },
        ],
        // c joins with 5,000 evictions from its past.
        [
          { address: 'a:6379', evicted: 1_000, uptime: 10_060 },
          { address: 'b:6379', evicted: 0, uptime: 10_060 },
          { address: 'c:6379', evicted: 5_000, uptime: 90_000 },
        ],
        // a restarts (back to 0) while b evicts 300.
        [
          { address: 'a:6379', evicted: 0, uptime: 20 },
          { address: 'b:6379', evicted: 300, uptime: 10_120 },
          { address: 'c:6379', evicted: 5_000, uptime: 90_060 },
        ],
        // a evicts 40 after its restart, c 2.
        [
          { address: 'a:6379', evicted: 40, uptime: 80 },
          { address: 'b:6379', evicted: 300, uptime: 10_180 },
          { address: 'c:6379', evicted: 5_002, uptime: 90_120 },
        ],
      ];
      for (const [i, shape] of shapes.entries()) {
        primaries = shape;
        await runSampleTick(d, start + i * MINUTE);
      }
      const samples = await d.history.range('hist', start, start + 10 * MINUTE);
      expect(historySeries(samples).evictions.map((p) => p.value)).toEqual([0, 300, 42]);
    } finally {
      queue.disconnect();
    }
  }, 60_000);
});
