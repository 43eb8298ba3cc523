/**
 * A CONFIG SET that fails part-way through a Redis Cluster: the nodes before the failing one
 * already run the new policy, so "Nothing was changed" would be false. The failure names the
 * nodes changed (checked against each node's own CONFIG GET) and the one that refused.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { redisPolicyAccess } from '../../src/changes/redis-policy.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { type LocalRedisCluster, startLocalRedisCluster } from '../../src/demo/local-redis.js';
import { createI18n } from '../../src/i18n/index.js';
import { asRefusal } from '../../src/jobs/changes/processor.js';

let cluster: LocalRedisCluster;

beforeAll(async () => {
  cluster = await startLocalRedisCluster({ primaries: 3, maxmemoryPolicy: 'volatile-lfu' });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
});

async function policyOf(port: number): Promise<string | undefined> {
  const node = new Redis(port, '127.0.0.1');
  try {
    return ((await node.config('GET', 'maxmemory-policy')) as string[])[1];
  } finally {
    node.disconnect();
  }
}

it('names the nodes already changed and the node that refused', async () => {
  const ports = cluster.nodes.map((n) => n.port).sort((a, b) => a - b);
  // Nodes are changed in address order: the last one refuses CONFIG SET (an ACL on that node only).
  const refusing = ports[ports.length - 1] as number;
  const admin = new Redis(refusing, '127.0.0.1');
  await admin.call('ACL', 'SETUSER', 'default', '-config|set');
  admin.disconnect();

  const target: ClusterConfig = {
    name: 'carts',
    url: cluster.url,
    mode: 'cluster',
    thresholds: { warning: 60, critical: 70, emergency: 85 },
    approvers: { users: [], groups: [] },
  };
  const err = await redisPolicyAccess({ connectTimeoutMs: 2_000 })
    .set(target, 'allkeys-lfu')
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeDefined();

  const changed: number[] = [];
  for (const port of ports) if ((await policyOf(port)) === 'allkeys-lfu') changed.push(port);
  expect(changed.length).toBe(ports.length - 1);

  const refusal = asRefusal(err, 'carts');
  const text = createI18n({ strict: true }).plain('en')(`change:refused.${refusal.reason}`, refusal.values);
  expect(text).not.toContain('Nothing was changed');
  for (const port of changed) expect(text).toContain(`127.0.0.1:${port}`);
  expect(text).toContain(`127.0.0.1:${refusing}`);
}, 120_000);
