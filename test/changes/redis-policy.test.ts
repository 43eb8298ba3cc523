/**
 * `CONFIG SET maxmemory-policy` on a self-hosted Redis Cluster reaches every node, replicas
 * included (a failover must not bring the old policy back): read back from each real
 * redis-server with its own CONFIG GET, not through the code under test.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisPolicyAccess } from '../../src/changes/redis-policy.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { addReplicas, type Replica } from '../support/cluster-replicas.js';

let cluster: LocalRedisCluster;
let replicas: Replica[] = [];

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ primaries: 3, maxmemoryPolicy: 'volatile-lfu' });
  replicas = await addReplicas(cluster);
}, 120_000);

afterAll(async () => {
  for (const r of replicas) {
    r.client.disconnect();
    await r.server.stop();
  }
  await cluster?.stop();
});

it('sets the policy on every primary and every replica of a Redis Cluster', async () => {
  const target: ClusterConfig = {
    name: 'carts',
    url: cluster.url,
    mode: 'cluster',
    thresholds: { warning: 60, critical: 70, emergency: 85 },
    approvers: { users: [], groups: [] },
  };
  const access = redisPolicyAccess({ connectTimeoutMs: 2_000 });
  const before = await access.read(target);
  expect(before.config).toBe(true);
  const { values } = await access.set(target, 'allkeys-lfu');
  expect(values).toHaveLength(6);
  const ports = [...cluster.nodes.map((n) => n.port), ...replicas.map((r) => r.server.port)];
  for (const port of ports) {
    const node = new Redis(port, '127.0.0.1');
    try {
      expect(((await node.config('GET', 'maxmemory-policy')) as string[])[1], `node ${port}`).toBe(
        'allkeys-lfu',
      );
    } finally {
      node.disconnect();
    }
  }
}, 120_000);
