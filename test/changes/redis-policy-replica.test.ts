/**
 * A self-hosted target URL that points at a replica (a reader endpoint, a "scan the replica"
 * habit): `CONFIG SET maxmemory-policy` there would change only the replica, while the primary,
 * the server that evicts, keeps its policy. The request is refused before anyone is asked; the
 * primary's policy is read back from the primary itself.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makePlan } from '../../src/changes/planner.js';
import { redisPolicyAccess } from '../../src/changes/redis-policy.js';
import type { ClusterConfig } from '../../src/config/types.js';
import { type LocalRedis, startLocalRedis } from '../../src/demo/local-redis.js';

let primary: LocalRedis;
let replica: LocalRedis;

beforeAll(async () => {
  primary = await startLocalRedis({ maxmemoryPolicy: 'volatile-lfu' });
  replica = await startLocalRedis({ maxmemoryPolicy: 'volatile-lfu' });
  const r = new Redis(replica.port, '127.0.0.1');
  try {
    await r.call('REPLICAOF', '127.0.0.1', String(primary.port));
    const deadline = Date.now() + 30_000;
    while (!/master_link_status:up/.test(await r.info('replication'))) {
      if (Date.now() > deadline) throw new Error('replica never synced');
      await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    r.disconnect();
  }
}, 60_000);

afterAll(async () => {
  await replica?.stop();
  await primary?.stop();
});

it('a policy change aimed at a replica is refused, and nothing changes anywhere', async () => {
  const target: ClusterConfig = {
    name: 'carts',
    url: replica.url,
    mode: 'standalone',
    thresholds: { warning: 60, critical: 70, emergency: 85 },
    approvers: { users: [], groups: [] },
  };
  const outcome = await makePlan(
    {
      facts: async () => {
        throw new Error('no AWS here');
      },
      groupUsers: async () => {
        throw new Error('no AWS here');
      },
      redisPolicy: redisPolicyAccess({ connectTimeoutMs: 2_000 }),
      maxmemoryOf: () => undefined,
    },
    { cluster: target, channel: 'C1', requester: 'U1', value: 'allkeys-lfu', kind: 'policy' },
  );
  expect(outcome.ok).toBe(false);
  if (!outcome.ok) expect(outcome.refusal.reason).toBe('replica_target');
  for (const port of [primary.port, replica.port]) {
    const node = new Redis(port, '127.0.0.1');
    try {
      expect(((await node.config('GET', 'maxmemory-policy')) as string[])[1]).toBe('volatile-lfu');
    } finally {
      node.disconnect();
    }
  }
}, 60_000);
