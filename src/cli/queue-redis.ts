import { Redis } from 'ioredis';
import type { MedicConfig } from '../config/types.js';
import { parseRedisUrl, redisTlsOptions, selectUrlDb } from '../redis/connect.js';
import { classifyRedisError } from '../redis/errors.js';

/**
 * Runs `fn` with a short-lived connection to the bot's queue Redis (snapshots, audit log, dry-runs)
 * the way every CLI command needs it: TLS as configured, fail fast, a typed error, always closed.
 */
export async function withQueueRedis<T>(config: MedicConfig, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const url = parseRedisUrl(config.queue.url);
  const redis = new Redis(config.queue.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    ...(url.tls ? { tls: redisTlsOptions(url.host, config.queue.tls) } : {}),
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw classifyRedisError(err, `${url.host}:${url.port}`);
  }
  try {
    await selectUrlDb(redis, url.db, `${url.host}:${url.port}`, 5000);
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}
