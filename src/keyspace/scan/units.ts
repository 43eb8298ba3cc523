/**
 * What a walk visits: every primary of the target (`conn.primaries()`: one for a standalone
 * server, each master of a Redis Cluster) × the DBs of each (which DBs the target scopes, given
 * INFO keyspace: redis/databases.ts `dbsToWalk`; a cluster node has only DB 0), with each DB's
 * DBSIZE at the start.
 */
import type { Redis } from 'ioredis';
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
 * The DBs of one primary to walk (`dbs`, given INFO keyspace) and their DBSIZE. `keyspaceInfo` is
 * read here when not given; a cluster node needs none. The connection is left on the last DB
 * counted.
 */
export async function dbUnits(
  redis: Redis,
  o: {
    cluster: boolean;
    dbs: (keyspaceInfo: string) => number[];
    selector: DbSelector;
    keyspaceInfo?: string;
    call?: CallWrapper;
  },
): Promise<DbUnit[]> {
  const call: CallWrapper = o.call ?? ((p) => p);
  const keyspace = o.cluster ? '' : (o.keyspaceInfo ?? (await call(redis.info('keyspace'))));
  const units: DbUnit[] = [];
  for (const db of o.dbs(keyspace)) {
    await o.selector.switchTo(db);
    units.push({ db, dbsize: Number(await call(redis.dbsize())) });
  }
  return units;
}
