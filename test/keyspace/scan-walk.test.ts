/**
 * The shared SCAN walk against a real redis-server: every key the test wrote comes back (Redis's
 * own keyspace is the truth), one call at a time, paced before each call; two lanes cover the table
 * between them; SELECT and the way back leave the connection where it was (CLIENT INFO says so);
 * the DB units count what DBSIZE counts.
 */
import { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import { walkCursor } from '../../src/keyspace/scan/cursor-walk.js';
import { DbSelector } from '../../src/keyspace/scan/db-select.js';
import { laneEnds, splitLanes } from '../../src/keyspace/scan/lanes.js';
import { type ScanReply, scanPage } from '../../src/keyspace/scan/scan-page.js';
import { dbUnits } from '../../src/keyspace/scan/units.js';
import { dbsToWalk } from '../../src/redis/databases.js';
import { test } from '../support/fixtures.js';

const KEYS = 5000;
const DB3_KEYS = 700;

async function seed(admin: Redis): Promise<void> {
  await admin.flushall();
  const p = admin.pipeline();
  for (let i = 0; i < KEYS; i++) p.set(`k:${i}`, 'v');
  p.select(3);
  for (let i = 0; i < DB3_KEYS; i++) p.set(`d3:${i}`, 'v');
  p.select(0);
  await p.exec();
}

function clientDb(info: string): number {
  return Number(/\bdb=(\d+)/.exec(info)?.[1]);
}

describe('walkCursor over SCAN', () => {
  for (const mode of [
    { ahead: 0, chain: false },
    { ahead: 1, chain: false },
    { ahead: 3, chain: true },
  ]) {
    test(`hands over every key once the cursor is back at 0 (ahead ${mode.ahead})`, async ({
      admin,
      localRedis,
    }) => {
      await seed(admin);
      const redis = new Redis(localRedis.port, localRedis.host);
      try {
        const seen = new Set<string>();
        let inFlight = 0;
        let maxInFlight = 0;
        let fetches = 0;
        let paces = 0;
        let lastCursor = '';
        for await (const { page, last } of walkCursor<ScanReply>({
          from: '0',
          fetch: async (cursor) => {
            fetches++;
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            try {
              return await scanPage(redis, cursor, 'k:*', 100);
            } finally {
              inFlight--;
            }
          },
          ahead: mode.ahead,
          chain: mode.chain,
          ...(mode.chain ? {} : { pace: async () => void paces++ }),
          stopped: () => false,
        })) {
          for (const name of page.names) seen.add(name.toString());
          lastCursor = page.cursor;
          if (last) expect(page.cursor).toBe('0');
        }
        const truth = new Set(await admin.keys('k:*'));
        expect(truth.size).toBe(KEYS);
        expect(seen).toEqual(truth);
        expect(lastCursor).toBe('0');
        expect(maxInFlight).toBe(1);
        if (!mode.chain) expect(paces).toBe(fetches);
      } finally {
        redis.disconnect();
      }
    });
  }

  test('stops at the next page boundary and leaves no call unhandled', async ({ admin, localRedis }) => {
    await seed(admin);
    const redis = new Redis(localRedis.port, localRedis.host);
    try {
      let stop = false;
      let pages = 0;
      for await (const _ of walkCursor<ScanReply>({
        from: '0',
        fetch: (cursor) => scanPage(redis, cursor, '*', 10),
        ahead: 3,
        chain: true,
        stopped: () => stop,
      })) {
        pages++;
        if (pages === 3) stop = true;
      }
      expect(pages).toBe(3);
    } finally {
      redis.disconnect();
    }
  });

  test('lanes A and B together cover the table, lane A ending where the cursor turns odd', async ({
    admin,
    localRedis,
  }) => {
    await seed(admin);
    const redis = new Redis(localRedis.port, localRedis.host);
    try {
      const lanes = splitLanes(50);
      const per = await Promise.all(
        lanes.map(async (lane) => {
          const names = new Set<string>();
          for await (const { page } of walkCursor<ScanReply>({
            from: lane.start,
            fetch: (cursor) => scanPage(redis, cursor, '*', 50),
            ends: (cursor) => laneEnds(lane, cursor),
            ahead: 1,
            stopped: () => false,
          })) {
            for (const name of page.names) names.add(name.toString());
          }
          return names;
        }),
      );
      const [a, b] = per as [Set<string>, Set<string>];
      const truth = new Set(await admin.keys('*'));
      expect(new Set([...a, ...b])).toEqual(truth);
      // Both lanes did part of the work: neither walked the whole table.
      expect(a.size).toBeLessThan(truth.size);
      expect(b.size).toBeLessThan(truth.size);
    } finally {
      redis.disconnect();
    }
  });
});

describe('DB units and SELECT', () => {
  test('counts each DB as DBSIZE does, and puts the connection back on its DB', async ({
    admin,
    localRedis,
  }) => {
    await seed(admin);
    const redis = new Redis(localRedis.port, localRedis.host);
    try {
      await redis.select(0);
      const selector = new DbSelector(redis, { cluster: false });
      const units = await dbUnits(redis, {
        cluster: false,
        dbs: (info) => dbsToWalk({ url: localRedis.url, mode: 'standalone' }, info),
        selector,
      });
      expect(units).toEqual([
        { db: 0, dbsize: KEYS },
        { db: 3, dbsize: DB3_KEYS },
      ]);
      // The walk moved the connection: the server says where it is.
      expect(clientDb(String(await redis.call('CLIENT', 'INFO')))).toBe(3);
      await selector.restore();
      expect(clientDb(String(await redis.call('CLIENT', 'INFO')))).toBe(0);
    } finally {
      redis.disconnect();
    }
  });

  test('a URL naming a DB scopes the units to it, with no SELECT when already there', async ({
    admin,
    localRedis,
  }) => {
    await seed(admin);
    const redis = new Redis({ host: localRedis.host, port: localRedis.port, db: 3 });
    try {
      // Connected (ioredis' own SELECT on connect done) before counting.
      await redis.ping();
      const before = Number(/cmdstat_select:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
      const selector = new DbSelector(redis, { cluster: false });
      const units = await dbUnits(redis, {
        cluster: false,
        dbs: (info) => dbsToWalk({ url: `${localRedis.url}/3`, mode: 'standalone' }, info),
        selector,
      });
      expect(units).toEqual([{ db: 3, dbsize: DB3_KEYS }]);
      await selector.restore();
      const after = Number(/cmdstat_select:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
      expect(after - before).toBe(0);
      expect(clientDb(String(await redis.call('CLIENT', 'INFO')))).toBe(3);
    } finally {
      redis.disconnect();
    }
  });
});
