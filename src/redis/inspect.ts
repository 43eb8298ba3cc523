import type { Redis } from 'ioredis';
import type { TargetConnection } from './connect.js';
import { urlDb } from './databases.js';
import { classifyRedisError } from './errors.js';
import { combineNodes, nodeSnapshotFromInfo, type RedisSnapshot } from './snapshot.js';

/**
 * Reads INFO from every primary (in parallel) and sums them: the numbers a status report shows. Keys
 * are counted in the URL's DB only when it names one.
 */
export async function inspectRedis(conn: TargetConnection): Promise<RedisSnapshot> {
  const primaries = conn.primaries();
  // A cluster has DB 0 only (a cluster URL naming another DB is refused at connect).
  const onlyDb = conn.target.mode === 'standalone' ? urlDb(conn.target.url) : undefined;
  try {
    const nodes = await Promise.all(
      primaries.map(async (node) => nodeSnapshotFromInfo(nodeAddress(node), await node.info(), onlyDb)),
    );
    return combineNodes(conn.target.mode, nodes);
  } catch (err) {
    throw classifyRedisError(err, conn.address);
  }
}

function nodeAddress(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}
