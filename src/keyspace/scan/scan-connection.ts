/**
 * A second connection for SCAN (same options: TLS, ACL user). A server sends a connection's
 * replies only once its pipelined commands ran, so a SCAN queued behind a page of writes on the
 * same connection would wait for them; on its own connection the server walks while Node writes.
 */
import { once } from 'node:events';
import type { Redis } from 'ioredis';

/** The duplicate, connected; undefined when it cannot connect (SCAN then shares `redis`). */
export async function openScanConnection(redis: Redis): Promise<Redis | undefined> {
  const dup = redis.duplicate();
  dup.on('error', () => {});
  try {
    if (dup.status === 'wait') await dup.connect();
    else await once(dup, 'ready');
    return dup;
  } catch {
    dup.disconnect();
    return undefined;
  }
}
