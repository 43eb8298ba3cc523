/**
 * The connection to the bot's own queue Redis (BullMQ queues, incidents, the audit log): configured
 * like a target, but its failure names the queue Redis, so nobody mistakes it for a cluster.
 */

import { Redis, type RedisOptions } from 'ioredis';
import { hostPort } from '../config/redis-url.js';
import { ErrorCode, MedicError, redact } from '../errors.js';
import { parseRedisUrl, type RedisTlsSettings, redisTlsOptions, selectUrlDb } from './connect.js';
import { connectError, traceConnect, withDeadline } from './connect-diagnosis.js';

/** The bot's own Redis as the config gives it (`queue:`): where queues, incidents and the audit log live. */
export interface QueueRedisSettings {
  url: string;
  tls?: RedisTlsSettings;
}

/**
 * A connection to the bot's queue Redis, connected and on the URL's DB. A failure to connect is
 * `queue_unreachable`, naming the queue's URL (without credentials) so nobody mistakes it for a
 * target; the connection's later errors go to `onError` (never ioredis's "Unhandled error event").
 */
export async function connectQueueRedis(
  queue: QueueRedisSettings,
  options: RedisOptions = {},
  onError: (err: Error) => void = () => {},
): Promise<Redis> {
  const url = parseRedisUrl(queue.url);
  const address = hostPort(url.host, url.port);
  const connectTimeout = options.connectTimeout ?? 5000;
  const redis = new Redis(queue.url, {
    ...(url.tls ? { tls: redisTlsOptions(url.host, queue.tls) } : {}),
    connectTimeout,
    ...options,
    lazyConnect: true,
  });
  const trace = traceConnect(redis);
  redis.on('error', onError);
  try {
    await withDeadline(redis.connect(), connectTimeout + 1000, address);
  } catch (err) {
    redis.disconnect();
    throw queueError(await connectError(trace, err, url), queue.url);
  }
  try {
    await selectUrlDb(redis, url.db, address, connectTimeout + 1000);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  return redis;
}

/** A connection failure, reworded as the queue Redis's (an error of another kind is passed on). */
export function queueError(err: MedicError, queueUrl: string): MedicError {
  const reasons: Partial<Record<ErrorCode, string>> = {
    [ErrorCode.RedisUnreachable]: String(err.values.reason ?? 'closed'),
    [ErrorCode.RedisTimeout]: 'timeout',
    [ErrorCode.RedisTls]: String(err.values.reason ?? 'handshake'),
    [ErrorCode.RedisAuth]: String(err.values.reason ?? 'wrongpass'),
    [ErrorCode.NotRedis]: 'not_redis',
  };
  const reason = reasons[err.code];
  if (reason === undefined) return err;
  return new MedicError(ErrorCode.QueueUnreachable, { queue: redact(queueUrl), reason }, err.message, {
    cause: err,
  });
}
