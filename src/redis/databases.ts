/** Which DBs of a server an operation visits (a target URL's DB, or every DB with keys). */
import { ErrorCode, MedicError } from '../errors.js';
import { parseInfo, parseKeyspace } from '../keyspace/server-facts.js';
import { dbInQuery, type RedisTarget } from './connect.js';

/** The DBs a standalone walk must visit, from INFO keyspace; DB 0 always (an empty server has no line). */
export function keyspaceDbs(info: string): number[] {
  const dbs = new Set<number>([0, ...parseKeyspace(parseInfo(info).keyspace).map((d) => d.db)]);
  return [...dbs].sort((a, b) => a - b);
}

/**
 * The DB a target URL names (`redis://h:p/3` → 3), or undefined when it names none. A URL with a
 * DB scopes every operation to that DB; one without walks every DB (see `dbsToWalk`). A path that
 * is not a DB number is a bad URL, never silently DB 0.
 */
export function urlDb(url: string): number | undefined {
  let path: string;
  try {
    const parsed = new URL(url);
    if (dbInQuery(parsed)) {
      throw new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'db_in_query' }, 'db in query');
    }
    path = parsed.pathname.replace(/^\//, '');
  } catch (err) {
    if (err instanceof MedicError) throw err;
    throw new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'bad_url' }, 'bad redis url');
  }
  if (path === '') return undefined;
  if (!/^\d{1,5}$/.test(path)) {
    throw new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'bad_url' }, 'bad redis url');
  }
  return Number(path);
}

/**
 * The DBs an operation on `target` may touch: its URL's DB only, else (no DB in the URL) every DB
 * INFO keyspace lists. A Redis Cluster has only DB 0: a cluster URL naming another DB is refused
 * rather than quietly walking DB 0.
 */
export function dbsToWalk(target: Pick<RedisTarget, 'url' | 'mode'>, keyspaceInfo: string): number[] {
  const db = urlDb(target.url);
  if (target.mode === 'cluster') {
    if (db !== undefined && db !== 0) {
      throw new MedicError(
        ErrorCode.ClusterDb,
        { db },
        `a Redis Cluster has only DB 0, the URL names DB ${db}`,
      );
    }
    return [0];
  }
  return db !== undefined ? [db] : keyspaceDbs(keyspaceInfo);
}

/** The DBs a walk visited, over every node, in order (what a dry-run or census shows as its scope). */
export function walkedDbs(nodes: readonly { dbs: readonly number[] }[]): number[] {
  return [...new Set(nodes.flatMap((n) => n.dbs))].sort((a, b) => a - b);
}
