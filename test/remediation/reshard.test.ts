/**
 * Online resharding during a run on the page script: slots move between primaries while pages are
 * written (one handed over whole between a page's SCAN and its script, one left half migrated and
 * finished later). The run must finish, every matching key must end with a TTL no shorter than the
 * rule's stated floor (a day less 10 % jitter), and the counters must equal the ground truth read
 * from the cluster before the run.
 */
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { applyRule } from '../../src/remediation/engine.js';
import { keySlot } from '../../src/remediation/reshard.js';
import type { TtlRule } from '../../src/remediation/types.js';
import { finishSlot, moveSlot, reshard, type SlotMove } from '../support/cluster-migrate.js';
import { loadClusterSessions, setMissingRule } from '../support/ttl-dataset.js';

const MIN = 60_000;
const WITHOUT_TTL = 24_000;
const WITH_TTL = 6_000;

const RULE: TtlRule = setMissingRule('app:sess:*', 'sessions');
/** The shortest TTL the rule may give, as its text states it: ttl 1 d less 10 % jitter. */
const STATED_FLOOR_MS = 0.9 * 86_400_000;

let cluster: LocalRedisCluster;
let client: Cluster;
let conn: TargetConnection;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ primaries: 3 });
  client = new Cluster(cluster.nodes);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  await loadClusterSessions(client, { withoutTtl: WITHOUT_TTL, withTtl: WITH_TTL });
  conn = await connectTarget({ name: 'c', url: cluster.url, mode: 'cluster' });
}, 3 * MIN);

afterAll(async () => {
  await conn?.close();
  client?.disconnect();
  await cluster?.stop();
});

/** The key names packed in a page script call (its last argument: `<I4 name B mark` per key). */
function pageKeys(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    const len = blob.readUInt32LE(at);
    out.push(blob.subarray(at + 4, at + 4 + len));
    at += 4 + len;
    at += 1 + (blob[at] as number);
  }
  return out;
}

/**
 * Keys matching `match` in the cluster, how many have no TTL, and how many have one shorter than
 * the stated floor less the time since `since` (Date.now() before the run), read from every primary.
 */
async function census(match: string, since: number): Promise<{ keys: number; left: number; short: number }> {
  let keys = 0;
  let left = 0;
  let short = 0;
  for (const node of client.nodes('master')) {
    let cursor = '0';
    do {
      const [next, names] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      keys += names.length;
      for (const n of names) {
        const pttl = await client.pttl(n);
        if (pttl === -1) left++;
        else if (pttl < STATED_FLOOR_MS - (Date.now() - since)) short++;
      }
    } while (cursor !== '0');
  }
  return { keys, left, short };
}

describe('online resharding during a lua run', () => {
  it(
    'slots moved mid-page and mid-run: the run finishes, every key once, counters exact',
    async () => {
      const ports = cluster.nodes.map((n) => n.port);
      const source = conn.primaries()[0] as Redis;
      const fromPort = source.options.port as number;
      const toPort = ports.find((p) => p !== fromPort) as number;
      const original = source.callBuffer.bind(source) as (...args: unknown[]) => Promise<unknown>;
      let evals = 0;
      let half: SlotMove | undefined;
      const moves: Promise<void>[] = [];
      // Between a page's SCAN and its script: the slot of a key in the middle of the page is handed
      // over whole, the slot of its last key is left half migrated (finished ten pages later).
      (source as unknown as { callBuffer: (...args: unknown[]) => Promise<unknown> }).callBuffer = async (
        ...args: unknown[]
      ) => {
        if (args[0] === 'EVALSHA') {
          evals++;
          if (evals === 3) {
            const keys = pageKeys(args[args.length - 1] as Buffer);
            const whole = keySlot(keys[Math.floor(keys.length / 2)] as Buffer);
            const partial = keySlot(keys[keys.length - 1] as Buffer);
            await moveSlot({ slot: whole, fromPort, toPort }, ports);
            if (partial !== whole) {
              half = { slot: partial, fromPort, toPort };
              await moveSlot(half, ports, 0.5);
            }
          }
          if (evals === 13 && half) moves.push(finishSlot(half, ports));
          await Promise.all(moves);
        }
        return original(...args);
      };
      const since = Date.now();
      try {
        const result = await applyRule(conn, RULE, { throttle: false, strategy: 'lua', count: 100 });
        expect(evals).toBeGreaterThan(13);
        expect(result.complete).toBe(true);
        expect(result.approximate).toBeUndefined();
        expect(result.counters).toEqual({
          scanned: WITHOUT_TTL + WITH_TTL,
          changed: WITHOUT_TTL,
          skipped: WITH_TTL,
          vanished: 0,
          errors: 0,
        });
      } finally {
        (source as unknown as { callBuffer: unknown }).callBuffer = original;
      }
      // Every key still there, every one with a TTL.
      expect(await census(RULE.match, since)).toEqual({ keys: WITHOUT_TTL + WITH_TTL, left: 0, short: 0 });
    },
    4 * MIN,
  );

  it(
    'redis-cli --cluster reshard moving 1 000 slots while a throttled run walks: counters exact',
    async () => {
      // Fresh keys under their own prefix, a quarter with a TTL of their own.
      const rule = { ...RULE, match: 'app:re:*' };
      const total = 12_000;
      for (let i = 0; i < total; i += 500) {
        const writes: Promise<unknown>[] = [];
        for (let j = i; j < Math.min(total, i + 500); j++) {
          writes.push(
            j % 4 === 0 ? client.set(`app:re:${j}`, 'x', 'PX', 86_400_000) : client.set(`app:re:${j}`, 'x'),
          );
        }
        await Promise.all(writes);
      }
      const ports = cluster.nodes.map((n) => n.port);
      let moving: Promise<string> | undefined;
      const since = Date.now();
      const result = await applyRule(conn, rule, {
        strategy: 'lua',
        // ~4 000 keys per primary at 1 500 keys/s: the walk lasts seconds, the reshard overlaps it.
        throttle: { keysPerSec: 1500, pageSize: 50, latencyGuardMs: 1000 },
        onPage: () => {
          moving ??= reshard(ports[1] as number, ports[2] as number, 1000, 2 * MIN);
        },
      });
      await moving;
      expect(result.complete).toBe(true);
      expect(result.approximate).toBeUndefined();
      // A key MIGRATE moved carries its expiry as a relative TTL, so on its new node the run's own
      // writes are recognised within ±1 s of their stamp; an application TTL that happens to land
      // that close to its key's stamp (≈ 2,000 / 8,640,000 here, for each of the ~180 moved keys
      // that already had one) is counted as changed. Everything else is exact.
      const { changed, skipped, ...rest } = result.counters;
      expect(rest).toEqual({ scanned: total, vanished: 0, errors: 0 });
      expect(changed + skipped).toBe(total);
      expect(changed - (total - total / 4)).toBeGreaterThanOrEqual(0);
      expect(changed - (total - total / 4)).toBeLessThanOrEqual(2);
      await client.refreshSlotsCache?.();
      expect(await census(rule.match, since)).toEqual({ keys: total, left: 0, short: 0 });
    },
    4 * MIN,
  );
});
