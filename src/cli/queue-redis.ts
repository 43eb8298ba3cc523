import type { Redis } from 'ioredis';
import type { MedicConfig } from '../config/types.js';
import { connectQueueRedis } from '../redis/queue-connection.js';

/**
 * Runs `fn` with a short-lived connection to the bot's queue Redis (snapshots, audit log, dry-runs)
 * the way every CLI command needs it: TLS as configured, fail fast (no reconnects), an error that
 * names the queue Redis, always closed.
 */
export async function withQueueRedis<T>(config: MedicConfig, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = await connectQueueRedis(config.queue, {
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}
