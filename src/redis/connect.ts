import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { hostPort, redisUrlProblem } from '../config/redis-url.js';
import { ErrorCode, MedicError } from '../errors.js';
import { selectDb } from '../keyspace/scan/select-command.js';
import { connectError, probeSeed, traceConnect, withDeadline } from './connect-diagnosis.js';
import { classifyRedisError } from './errors.js';

/** Where a Redis lives and how to log in. A ClusterConfig satisfies it; so does a bare `--redis URL`. */
export interface RedisTarget {
  name: string;
  url: string;
  username?: string;
  password?: string;
  mode: 'standalone' | 'cluster';
  /** Only for `rediss://`: CA, client certificate, SNI name, verification switch. */
  tls?: RedisTlsSettings;
}

/** PEM contents (not paths) and the name to verify; config/types TlsConfig satisfies it. */
export interface RedisTlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  insecure?: boolean;
}

/**
 * Node TLS options for a `rediss://` host. SNI must be a host name (RFC 6066), so an IP gets none
 * unless `servername` names one; Node then checks the certificate against `servername` or the host.
 * A configured CA replaces Node's bundled public roots for that Redis (like `redis-cli --cacert`).
 */
export function redisTlsOptions(host: string, settings: RedisTlsSettings = {}): ConnectionOptions {
  const servername = settings.servername ?? (isIP(host) ? undefined : host);
  return {
    ...(servername ? { servername } : {}),
    ...(settings.ca ? { ca: settings.ca } : {}),
    ...(settings.cert ? { cert: settings.cert } : {}),
    ...(settings.key ? { key: settings.key } : {}),
    ...(settings.insecure ? { rejectUnauthorized: false } : {}),
  };
}

export interface ConnectOptions {
  /** TCP + TLS + AUTH must finish within this. @defaultValue 5000 */
  connectTimeoutMs?: number;
  /** Each command must answer within this. @defaultValue 5000 */
  commandTimeoutMs?: number;
}

/** A live connection: `primaries()` are the servers whose INFO and keyspace count. */
export interface TargetConnection {
  readonly target: RedisTarget;
  readonly client: Redis | Cluster;
  /** host:port of the entry point, safe to show (no credentials). */
  readonly address: string;
  primaries(): Redis[];
  close(): Promise<void>;
}

export async function connectTarget(
  target: RedisTarget,
  options: ConnectOptions = {},
): Promise<TargetConnection> {
  const url = parseRedisUrl(target.url);
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const base: RedisOptions = {
    username: target.username ?? url.username,
    password: target.password ?? url.password,
    ...(url.tls ? { tls: redisTlsOptions(url.host, target.tls) } : {}),
    connectTimeout,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    // One-shot inspections: fail fast and let the caller report, rather than retry forever.
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    lazyConnect: true,
  };
  const address = hostPort(url.host, url.port);

  if (target.mode === 'cluster') {
    const cluster = new Cluster([{ host: url.host, port: url.port }], {
      redisOptions: base,
      lazyConnect: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      slotsRefreshTimeout: connectTimeout,
      // TLS endpoints (ElastiCache) announce IPs that must keep the configured name for SNI.
      ...(url.tls ? { dnsLookup: (host: string, cb: (e: null, a: string) => void) => cb(null, host) } : {}),
    });
    const trace = traceConnect(cluster);
    await withDeadline(cluster.connect(), connectTimeout + 1000, address).catch(async (err) => {
      cluster.disconnect();
      const failure = await connectError(trace, err, url);
      const vague = failure.code === ErrorCode.RedisUnreachable && failure.values.reason === 'closed';
      throw vague ? await probeSeed(url, base, connectTimeout, failure) : failure;
    });
    return {
      target,
      client: cluster,
      address,
      primaries: () => cluster.nodes('master'),
      close: () => quit(cluster),
    };
  }

  const redis = new Redis({ host: url.host, port: url.port, db: url.db, ...base });
  const trace = traceConnect(redis);
  await withDeadline(redis.connect(), connectTimeout + 1000, address).catch(async (err) => {
    redis.disconnect();
    throw await connectError(trace, err, url);
  });
  try {
    await selectUrlDb(redis, url.db, address, connectTimeout + 1000);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return { target, client: redis, address, primaries: () => [redis], close: () => quit(redis) };
}

/**
 * Makes sure a connection is on the DB its URL names. ioredis SELECTs it on connect but only emits
 * an error when that fails, staying on DB 0 while reporting the URL's DB as current: a run scoped to
 * a missing DB would change DB 0, and the bot's queue would silently live in DB 0.
 */
export async function selectUrlDb(
  redis: Redis,
  db: number,
  address: string,
  timeoutMs: number,
): Promise<void> {
  if (db === 0) return;
  try {
    await withDeadline(selectDb(redis, db), timeoutMs, address);
  } catch (err) {
    if (err instanceof MedicError) throw err;
    if (!/out of range|NOPERM|invalid DB/i.test(String((err as Error | undefined)?.message))) {
      throw classifyRedisError(err, address);
    }
    throw new MedicError(ErrorCode.NoSuchDb, { target: address, db }, `cannot SELECT ${db}`, { cause: err });
  }
}

export interface ParsedRedisUrl {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
}

/**
 * A DB given as `?db=N` / `?database=N` (redis-py, the redis URI scheme): redis-medic reads the DB
 * from the path only, and a URL without one means every DB, so such a URL is refused, not widened.
 */
export function dbInQuery(url: URL): boolean {
  return url.searchParams.has('db') || url.searchParams.has('database');
}

export function parseRedisUrl(raw: string): ParsedRedisUrl {
  // A port out of range or a path that is no DB number is never read as something else (DB 0).
  const problem = redisUrlProblem(raw);
  if (problem?.kind === 'port' || problem?.kind === 'db_path' || problem?.kind === 'userinfo') {
    throw new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'bad_url' }, 'bad redis url');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MedicError(ErrorCode.RedisUnreachable, { target: '?', reason: 'bad_url' }, 'bad redis url');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new MedicError(
      ErrorCode.RedisUnreachable,
      { target: url.host, reason: 'bad_url' },
      'bad redis url',
    );
  }
  if (dbInQuery(url)) {
    throw new MedicError(
      ErrorCode.RedisUnreachable,
      { target: url.host, reason: 'db_in_query' },
      'redis url names its DB in the query',
    );
  }
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    tls: url.protocol === 'rediss:',
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
  };
}

async function quit(client: Redis | Cluster): Promise<void> {
  try {
    await withDeadline(client.quit(), 1000, 'quit');
  } catch {
    client.disconnect();
  }
}
