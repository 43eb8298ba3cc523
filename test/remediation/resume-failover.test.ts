/**
 * A replica promoted between two attempts of a TTL run: its SCAN cursors mean nothing to the old
 * primary's saved position, so the resumed run walks that slot range again, and the counters still
 * equal an uninterrupted run's (ground truth read from the cluster before the run), and every key
 * that had no TTL has one in the range the rule states (a day, 10 % jitter), read back from Redis.
 */
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_HOST, type LocalRedisCluster, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { connectTarget } from '../../src/redis/connect.js';
import { type ApplyOptions, applyRule } from '../../src/remediation/engine.js';
import type { EngineCheckpoint, TtlRule } from '../../src/remediation/types.js';
import { addReplicas, failover, type Replica, replicasCaughtUp } from '../support/cluster-replicas.js';
import { loadClusterSessions, setMissingRule } from '../support/ttl-dataset.js';

const MIN = 60_000;
const WITHOUT_TTL = 24_000;
const WITH_TTL = 6_000;

const RULE: TtlRule = setMissingRule('app:sess:*', 'sessions');
const DAY = 86_400_000;
/** The rule's new-TTL range as its text states it (ttl 1 d, jitter 10 %). */
const STATED = { minMs: 0.9 * DAY, maxMs: DAY };

async function serverMs(node: Redis): Promise<number> {
  const [sec, usec] = await node.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

let cluster: LocalRedisCluster;
let replicas: Replica[] = [];
let client: Cluster;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ primaries: 3 });
  replicas = await addReplicas(cluster);
  client = new Cluster(cluster.nodes);
  await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  await loadClusterSessions(client, { withoutTtl: WITHOUT_TTL, withTtl: WITH_TTL });
}, 3 * MIN);

afterAll(async () => {
  client?.disconnect();
  for (const r of replicas) r.client.disconnect();
  await Promise.all(replicas.map((r) => r.server.stop()));
  await cluster?.stop();
});

describe('resume after a failover between attempts', () => {
  it(
    'the promoted replica is walked again and the counters equal an uninterrupted run',
    async () => {
      const opts: ApplyOptions = { throttle: false, strategy: 'lua', count: 100, random: () => 0.3 };
      const first = await connectTarget({ name: 'c', url: cluster.url, mode: 'cluster' });
      // Every node runs on this machine's clock: one TIME stands for all of them.
      const startMs = await serverMs(client.nodes('master')[0] as Redis);
      const abort = new AbortController();
      let saved: EngineCheckpoint | undefined;
      try {
        const stopped = await applyRule(first, RULE, {
          ...opts,
          signal: abort.signal,
          onPage: (cp) => {
            saved = cp;
            // Stop once every primary has walked part of its keys.
            if (cp.nodes.every((n) => n.cursor !== '0' || n.done)) abort.abort();
          },
        });
        expect(stopped.complete).toBe(false);
      } finally {
        await first.close();
      }
      const cp = saved as EngineCheckpoint;
      const walked = cp.nodes.find((n) => n.cursor !== '0' && !n.done);
      expect(walked, 'a primary part way through its keys').toBeDefined();
      const replica = replicas.find((r) => `${LOCAL_HOST}:${r.primaryPort}` === walked?.address) as Replica;
      await replicasCaughtUp([replica]);
      await failover(replica, cluster);

      const second = await connectTarget({ name: 'c', url: replica.server.url, mode: 'cluster' });
      try {
        const primaries = second.primaries().map((r) => r.options.port);
        expect(primaries).toContain(replica.server.port);
        const resumed = await applyRule(second, RULE, { ...opts, checkpoint: cp });
        expect(resumed.complete).toBe(true);
        expect(resumed.approximate).toBeUndefined();
        expect(resumed.counters).toEqual({
          scanned: WITHOUT_TTL + WITH_TTL,
          changed: WITHOUT_TTL,
          skipped: WITH_TTL,
          vanished: 0,
          errors: 0,
        });
        const endMs = await serverMs(second.primaries()[0] as Redis);
        // And every key the rule covers has a TTL now, read from each primary as it is now: the keys
        // that had none (app:sess:0 … WITHOUT_TTL−1) one in the stated range, the others their own 3 d.
        let left = 0;
        const bad: string[] = [];
        for (const node of second.primaries()) {
          let cursor = '0';
          do {
            const [next, names] = await node.scan(cursor, 'MATCH', RULE.match, 'COUNT', 1000);
            cursor = next;
            const p = node.pipeline();
            for (const n of names) p.pexpiretime(n);
            const replies = (await p.exec()) ?? [];
            names.forEach((n, i) => {
              const [err, value] = replies[i] ?? [new Error('missing reply'), null];
              if (err) throw err;
              const expiry = Number(value);
              if (expiry === -1) left++;
              else if (Number(n.split(':')[2]) < WITHOUT_TTL) {
                if (expiry < startMs + STATED.minMs || expiry > endMs + STATED.maxMs) {
                  bad.push(`${n}: expiry ${expiry - endMs} ms after the run`);
                }
              } else if (expiry <= endMs + STATED.maxMs) bad.push(`${n}: its own 3 d TTL was lowered`);
            });
          } while (cursor !== '0');
        }
        expect(bad.slice(0, 5)).toEqual([]);
        expect(left).toBe(0);
      } finally {
        await second.close();
      }
    },
    4 * MIN,
  );
});
