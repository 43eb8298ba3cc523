import { isIP } from 'node:net';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { ErrorCode, MedicError } from '../errors.js';
import { classifyRedisError } from './errors.js';

/** Where a Redis lives and how to log in. A ClusterConfig satisfies it; so does a bare `--redis URL`. */
export interface RedisTarget {
  name: string;
  url: string;
  username?: string;
  password?: string;
  mode: 'standalone' | 'cluster';
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
    // SNI must be a host name (RFC 6066); an IP gets no servername.
    ...(url.tls ? { tls: isIP(url.host) ? {} : { servername: url.host } } : {}),
    connectTimeout,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    // One-shot inspections: fail fast and let the caller report, rather than retry forever.
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    lazyConnect: true,
  };
  const address = `${url.host}:${url.port}`;

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
    const firstError = captureFirstError(cluster);
    await withDeadline(cluster.connect(), connectTimeout + 1000, address).catch((err) => {
      cluster.disconnect();
      throw connectError(firstError() ?? err, address, url.tls);
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
  const firstError = captureFirstError(redis);
  await withDeadline(redis.connect(), connectTimeout + 1000, address).catch((err) => {
    redis.disconnect();
    throw connectError(firstError() ?? err, address, url.tls);
  });
  return { target, client: redis, address, primaries: () => [redis], close: () => quit(redis) };
}

/** A TLS handshake to a plain-text port just hangs (Redis waits for a newline): say so. */
function connectError(err: unknown, address: string, tls: boolean): MedicError {
  const classified = classifyRedisError(err, address);
  if (tls && classified.code === ErrorCode.RedisTimeout) {
    return new MedicError(
      ErrorCode.RedisTls,
      { target: address, reason: 'handshake_timeout' },
      classified.message,
      {
        cause: err,
      },
    );
  }
  return classified;
}

export interface ParsedRedisUrl {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
}

export function parseRedisUrl(raw: string): ParsedRedisUrl {
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

/** ioredis reports the real cause (ECONNREFUSED, WRONGPASS, TLS) as an event, not always as the rejection. */
function captureFirstError(emitter: Redis | Cluster): () => unknown {
  let first: unknown;
  const keep = (err: unknown) => {
    first ??= err;
  };
  emitter.on('error', keep);
  emitter.on('node error', keep);
  return () => first;
}

function withDeadline<T>(promise: Promise<T>, ms: number, address: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MedicError(ErrorCode.RedisTimeout, { target: address }, `timeout after ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function quit(client: Redis | Cluster): Promise<void> {
  try {
    await withDeadline(client.quit(), 1000, 'quit');
  } catch {
    client.disconnect();
  }
}
