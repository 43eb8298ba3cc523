/**
 * Puts a local server or cluster under memory pressure like the runbook's: maxmemory sized so the
 * current usage lands at a target percentage, with the runbook's eviction policy.
 */

import { Cluster, type Redis } from 'ioredis';
import { serverFacts } from '../../keyspace/server-facts.js';
import { ensureReady } from './client-ready.js';
import { RUNBOOK_KEYSPACE } from './types.js';

async function setNodeMaxmemory(node: Redis, pct: number, policy: string): Promise<number> {
  const used = serverFacts(await node.info('memory')).usedMemory;
  if (used === undefined || used <= 0) throw new Error('INFO memory has no used_memory');
  const maxmemory = Math.ceil((used * 100) / pct);
  await node.config('SET', 'maxmemory-policy', policy);
  await node.config('SET', 'maxmemory', String(maxmemory));
  return maxmemory;
}

/**
 * Sets `maxmemory` so used_memory / maxmemory lands near `pct` (the demo uses the runbook's 84.6)
 * and the policy to `volatile-lfu` like the runbook's cluster. On a cluster each primary gets its
 * own maxmemory; the sum over primaries is returned. Needs CONFIG, so local servers only.
 */
export async function setMaxmemoryForTargetPct(
  redis: Redis | Cluster,
  pct: number,
  opts: { policy?: string } = {},
): Promise<number> {
  if (!(pct > 0 && pct <= 100)) throw new Error(`pct must be in (0, 100], got ${pct}`);
  const policy = opts.policy ?? RUNBOOK_KEYSPACE.maxmemoryPolicy;
  await ensureReady(redis);
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const set = await Promise.all(nodes.map((node) => setNodeMaxmemory(node, pct, policy)));
  return set.reduce((a, b) => a + b, 0);
}
