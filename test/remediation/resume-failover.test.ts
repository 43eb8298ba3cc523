/**
 * A replica promoted between two attempts of a TTL run: its SCAN cursors mean nothing to the old
 * primary's saved position, so the resumed run walks that slot range again, and the counters still
 * equal an uninterrupted run's (ground truth read from the cluster before the run).
 */
import { Cluster } from 'ioredis';
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
        // And every key the rule covers has a TTL now, read from each primary as it is now.
        let left = 0;
        for (const node of second.primaries()) {
          let cursor = '0';
          do {
            const [next, names] = await node.scan(cursor, 'MATCH', RULE.match, 'COUNT', 1000);
            cursor = next;
            for (const n of names) if ((await node.pttl(n)) === -1) left++;
          } while (cursor !== '0');
        }
        expect(left).toBe(0);
      } finally {
        await second.close();
      }
    },
    4 * MIN,
  );
});
