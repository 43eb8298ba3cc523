/**
 * Replicas are never written to. A TTL written on a writable replica stays there (the primary is
 * unchanged, and the replica loses it at the next resync), and a read-only one answers READONLY per
 * key: either way the run would look done while nothing happened where it matters. INFO replication
 * tells which node is a replica and of whom, so the refusal names the primary to point the run at.
 */

import type { Redis } from 'ioredis';
import { ErrorCode } from '../errors.js';
import { serverFacts } from '../keyspace/server-facts.js';
import { RemediationError } from './errors.js';

/** A node of the target that is a replica, and its primary (`host:port` from INFO replication). */
export interface ReplicaNode {
  target: string;
  primary: string;
}

/** The replica (and its primary) when `redis` is one, else undefined. */
export async function replicaOf(redis: Redis, address: string): Promise<ReplicaNode | undefined> {
  const facts = serverFacts(await redis.info('replication'));
  const role = facts.role;
  if (role !== 'slave' && role !== 'replica') return undefined;
  const host = facts.masterHost ?? '?';
  const port = facts.masterPort ?? '?';
  return { target: address, primary: `${host}:${port}` };
}

/** Throws the localized replica_target refusal when `redis` is a replica; nothing is written before. */
export async function assertPrimary(redis: Redis, address: string): Promise<void> {
  const replica = await replicaOf(redis, address);
  if (!replica) return;
  throw new RemediationError(
    ErrorCode.ReplicaTarget,
    { target: replica.target, primary: replica.primary },
    `${replica.target} is a replica of ${replica.primary}: refusing to write`,
  );
}
