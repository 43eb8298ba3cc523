/**
 * The TTL job's verify step: how many keys matching a pattern still have no TTL, over every
 * primary and DB, counted with the census walker (read-only, throttled by default).
 */

import { walkKeys } from '../../census/walker.js';
import type { ThrottleOptions } from '../../keyspace/pacing/throttle.js';
import type { TargetConnection } from '../../redis/connect.js';
import { serverGlob } from '../server-glob.js';

/** Keys matching `match` that have no TTL, over every primary and DB. */
export async function countWithoutTtl(
  conn: TargetConnection,
  match: string,
  opts: { throttle?: ThrottleOptions | false; signal?: AbortSignal } = {},
): Promise<number> {
  const matches = await serverGlob(conn, match);
  let count = 0;
  await walkKeys(
    conn,
    {
      match,
      ...(opts.throttle !== undefined ? { throttle: opts.throttle } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
    (keys) => {
      for (const key of keys) if (key.pttlMs === -1 && matches(key.name)) count++;
    },
  );
  return count;
}
