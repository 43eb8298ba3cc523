/**
 * A sampled census on a real 3-node Redis Cluster draws from every primary in proportion to its
 * keys, each primary paced on its own budget. The truth comes from each node itself: DBSIZE on a
 * direct connection for its share, EXISTS on that connection for where a sampled key lives.
 */
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkKeys } from '../../src/census/walker.js';
import { loadDataset } from '../../src/demo/dataset.js';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { connectTarget, type TargetConnection } from '../../src/redis/connect.js';
import { budgetMs } from '../support/budget.js';

const KEYS = 12_000;
const SAMPLE = 1_500;

describe('a sampled census on a 3-node Redis Cluster', () => {
  let cluster: LocalRedisCluster;
  let client: Cluster;
  let conn: TargetConnection;
  let direct: { address: string; redis: Redis }[];

  beforeAll(
    async () => {
      cluster = await startLocalRedisCluster({ primaries: 3 });
      client = new Cluster(cluster.nodes);
      await loadDataset(client, { keys: KEYS });
      conn = await connectTarget({ name: 'cluster', url: cluster.url, mode: 'cluster' });
      direct = cluster.nodes.map((n) => ({
        address: `${n.host}:${n.port}`,
        redis: new Redis(n.port, n.host),
      }));
    },
    budgetMs(KEYS * 4),
  );

  afterAll(async () => {
    for (const d of direct ?? []) d.redis.disconnect();
    await conn?.close();
    client?.disconnect();
    await cluster?.stop();
  });

  for (const throttle of [false, { keysPerSec: 50_000, pageSize: 50, latencyGuardMs: 1000 }] as const) {
    it(
      `covers every primary in proportion to its DBSIZE (${throttle ? 'paced per primary' : 'full speed'})`,
      async () => {
        const sampled: Buffer[] = [];
        const summary = await walkKeys(conn, { limit: SAMPLE, throttle }, (keys) => {
          for (const key of keys) sampled.push(Buffer.from(key.name));
        });
        expect(summary.stoppedBy).toBe('limit');
        expect(sampled).toHaveLength(SAMPLE);

        // Where each sampled key lives, asked of every node directly (a key exists on one node only).
        const sizes = await Promise.all(direct.map((d) => d.redis.dbsize()));
        const total = sizes.reduce((a, b) => a + b, 0);
        expect(total).toBe(KEYS);
        const perNode = await Promise.all(
          direct.map(async (d) => {
            const p = d.redis.pipeline();
            for (const name of sampled) p.exists(name);
            const replies = (await p.exec()) ?? [];
            return replies.filter(([, n]) => n === 1).length;
          }),
        );
        expect(perNode.reduce((a, b) => a + b, 0)).toBe(SAMPLE);
        direct.forEach((_, i) => {
          const share = (SAMPLE * (sizes[i] as number)) / total;
          expect(perNode[i]).toBeGreaterThan(0);
          expect(Math.abs((perNode[i] as number) - share)).toBeLessThanOrEqual(1);
        });

        // Each primary ran its own pacing (its own PING baseline) when paced.
        expect(summary.nodes).toHaveLength(3);
        for (const node of summary.nodes) {
          expect(node.baselinePingMs !== undefined).toBe(throttle !== false);
        }
      },
      budgetMs(SAMPLE * 20),
    );
  }
});
