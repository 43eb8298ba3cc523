/**
 * Waits until an ioredis client (standalone or cluster) is connected, connecting a lazy one.
 */
import { once } from 'node:events';
import type { Cluster, Redis } from 'ioredis';

export async function ensureReady(redis: Redis | Cluster): Promise<void> {
  if (redis.status === 'ready') return;
  if (redis.status === 'wait') await redis.connect();
  else if (redis.status === 'end') throw new Error('the client was disconnected (status end)');
  else await once(redis, 'ready');
}
