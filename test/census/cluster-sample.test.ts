/**
 * A census on a real 3-node Redis Cluster: a sample draws from every primary in proportion to its
 * keys (the truth from each node itself: DBSIZE on a direct connection for its share, EXISTS on
 * that connection for where a sampled key lives), and each primary is paced on its own keys/s
 * budget (each shard is its own server), all three walked at once.
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

  it(
    'paces each primary on its own keys/s budget, all primaries at once',
    async () => {
      const rate = 3_000;
      const pageSize = 50;
      // A generous guard: this is about the budget, not about pausing on a busy test machine.
      const throttle = { keysPerSec: rate, pageSize, latencyGuardMs: 1000 };
      const summary = await walkKeys(conn, { throttle }, () => {});
      expect(summary.complete).toBe(true);
      expect(summary.scanned).toBe(KEYS);
      const burst = Math.max(pageSize, rate / 10);
      for (const node of summary.nodes) {
        const seconds = node.durationMs / 1000;
        // Never above its own budget (plus the bucket's burst and one page)...
        expect(node.scanned).toBeLessThanOrEqual(rate * seconds + burst + pageSize);
        // ...and well above what one budget shared by three primaries would allow (rate / 3 each).
        expect(node.scanned / seconds).toBeGreaterThan(rate / 2);
      }
      // At once: the walk took about as long as its slowest primary, not the sum of them.
      const sum = summary.nodes.reduce((a, n) => a + n.durationMs, 0);
      expect(summary.durationMs).toBeLessThan(sum);
    },
    budgetMs(KEYS * 2),
  );
});
