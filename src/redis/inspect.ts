import type { Redis } from 'ioredis';
import type { TargetConnection } from './connect.js';
import { classifyRedisError } from './errors.js';
import { combineNodes, nodeSnapshotFromInfo, type RedisSnapshot } from './snapshot.js';

/** Reads INFO from every primary (in parallel) and sums them: the numbers a status report shows. */
export async function inspectRedis(conn: TargetConnection): Promise<RedisSnapshot> {
  const primaries = conn.primaries();
  try {
    const nodes = await Promise.all(
      primaries.map(async (node) => nodeSnapshotFromInfo(nodeAddress(node), await node.info())),
    );
    return combineNodes(conn.target.mode, nodes);
  } catch (err) {
    throw classifyRedisError(err, conn.address);
  }
}

function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}
