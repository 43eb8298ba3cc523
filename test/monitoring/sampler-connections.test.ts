/**
 * The sampler keeps one connection per cluster across ticks instead of connecting every tick: the
 * target's own `total_connections_received` (INFO stats) is the judge. A connection the server
 * drops is replaced on the next tick; a cluster gone from the config, an idle one and shutdown
 * close theirs (the target's CLIENT LIST shows it gone).
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { parseInfo } from '../../src/keyspace/server-facts.js';
import { AlertStateStore } from '../../src/monitoring/alert-store.js';
import { HistoryStore } from '../../src/monitoring/history-store.js';
import { type MonitorDeps, runSampleTick } from '../../src/monitoring/monitor-tick.js';
import { TargetConnections } from '../../src/monitoring/target-connections.js';
import { silentLogger } from '../../src/observability/logger.js';
import { test } from '../support/fixtures.js';
import { waitFor } from '../support/wait-for.js';

const THRESHOLDS = { warning: 60, critical: 70, emergency: 85 };
const TICKS = 10;

async function received(admin: Redis): Promise<number> {
  return Number(parseInfo(await admin.info('stats')).stats?.total_connections_received);
}

/** Clients of the target other than `admin` itself. */
async function otherClients(admin: Redis): Promise<number> {
  const me = await admin.client('ID');
  const list = String(await admin.client('LIST'));
  return list.split('\n').filter((l) => l.startsWith('id=') && !l.startsWith(`id=${me} `)).length;
}

describe('the sampler’s connections', () => {
  test(`${TICKS} ticks open one connection to the target; a dropped one is replaced`, async ({
    localRedis,
    admin,
    queueRedis,
  }) => {
    const queue = new Redis(queueRedis.url);
    const connections = new TargetConnections();
    let clusters = [
      { name: 'reuse', url: localRedis.url, mode: 'standalone' as const, thresholds: THRESHOLDS },
    ];
    const deps: MonitorDeps = {
      clusters: () => clusters,
      history: new HistoryStore(queue, { prefix: 'reuse' }),
      alerts: new AlertStateStore(queue, 'reuse'),
      reporter: { alert: async () => {} },
      policy: () => ({ thresholds: THRESHOLDS, hysteresisPct: 2, minDurationMs: 0, evictions: false }),
      logger: silentLogger(),
      connections,
    };
    try {
      const before = await received(admin);
      const start = Date.now() - TICKS * 60_000;
      for (let i = 0; i < TICKS; i++) {
        const outcome = await runSampleTick(deps, start + i * 60_000);
        expect(outcome).toMatchObject({ sampled: 1, failed: 0 });
      }
      expect((await received(admin)) - before).toBe(1);
      expect(await otherClients(admin)).toBe(1);

      // The server drops the sampler's connection: a later tick reconnects (one new connection).
      await admin.client('KILL', 'SKIPME', 'yes', 'TYPE', 'normal');
      let at = start + TICKS * 60_000;
      const nextAt = () => {
        at += 1_000;
        return at;
      };
      await waitFor(
        'a tick to sample again after the kill',
        async () => ((await runSampleTick(deps, nextAt())).sampled === 1 ? true : undefined),
        { timeoutMs: 10_000, intervalMs: 50 },
      );
      expect((await received(admin)) - before).toBe(2);

      // The cluster leaves the config: its connection is closed after the next tick.
      clusters = [];
      await runSampleTick(deps, nextAt());
      await waitFor(
        'the connection to close',
        async () => ((await otherClients(admin)) === 0 ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );

      // Back in the config, then shutdown: the connection made again is closed by close().
      clusters = [
        { name: 'reuse', url: localRedis.url, mode: 'standalone' as const, thresholds: THRESHOLDS },
      ];
      expect((await runSampleTick(deps, nextAt())).sampled).toBe(1);
      expect(await otherClients(admin)).toBe(1);
      await connections.close();
      await waitFor(
        'shutdown to close it',
        async () => ((await otherClients(admin)) === 0 ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
    } finally {
      await connections.close();
      queue.disconnect();
    }
  }, 60_000);

  test('a connection unused for the idle time is closed, and the next tick connects again', async ({
    localRedis,
    admin,
    queueRedis,
  }) => {
    const queue = new Redis(queueRedis.url);
    const connections = new TargetConnections({ idleMs: 200 });
    const clusters = [
      { name: 'idle', url: localRedis.url, mode: 'standalone' as const, thresholds: THRESHOLDS },
    ];
    const deps: MonitorDeps = {
      clusters: () => clusters,
      history: new HistoryStore(queue, { prefix: 'idle' }),
      alerts: new AlertStateStore(queue, 'idle'),
      reporter: { alert: async () => {} },
      policy: () => ({ thresholds: THRESHOLDS, hysteresisPct: 2, minDurationMs: 0, evictions: false }),
      logger: silentLogger(),
      connections,
    };
    try {
      const start = Date.now() - 60_000;
      expect((await runSampleTick(deps, start)).sampled).toBe(1);
      await waitFor(
        'the idle connection to close',
        async () => ((await otherClients(admin)) === 0 ? true : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
        },
      );
      expect((await runSampleTick(deps, start + 1_000)).sampled).toBe(1);
    } finally {
      await connections.close();
      queue.disconnect();
    }
  }, 60_000);
});
