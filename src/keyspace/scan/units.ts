/**
 * What a walk visits: every primary of the target (`conn.primaries()`: one for a standalone
 * server, each master of a Redis Cluster) × the DBs of each (the DB the URL names, else every DB
 * INFO keyspace lists; a cluster node has only DB 0), with each DB's DBSIZE at the start.
 */
import type { Redis } from 'ioredis';
import type { RedisTarget } from '../../redis/connect.js';
import { dbsToWalk } from '../../redis/databases.js';
import type { CallWrapper, DbSelector } from './db-select.js';

/** One DB of one primary. */
export interface DbUnit {
  db: number;
  /** DBSIZE when the walk started. */
  dbsize: number;
}

/** `host:port` of a node connection, as walks and their errors name it. */
export function nodeAddress(redis: Redis): string {
  return `${redis.options.host ?? '?'}:${redis.options.port ?? '?'}`;
}

/**
 * The DBs of one primary to walk and their DBSIZE. `keyspaceInfo` (INFO keyspace) is read here
 * when not given; a cluster node needs none. The connection is left on the last DB counted.
 */
export async function dbUnits(
  redis: Redis,
  o: {
    target: Pick<RedisTarget, 'url' | 'mode'>;
    selector: DbSelector;
    keyspaceInfo?: string;
    call?: CallWrapper;
  },
): Promise<DbUnit[]> {
  const call: CallWrapper = o.call ?? ((p) => p);
  const cluster = o.target.mode === 'cluster';
  const keyspace = cluster ? '' : (o.keyspaceInfo ?? (await call(redis.info('keyspace'))));
  const units: DbUnit[] = [];
  for (const db of dbsToWalk(o.target, keyspace)) {
    await o.selector.switchTo(db);
    units.push({ db, dbsize: Number(await call(redis.dbsize())) });
  }
  return units;
}
