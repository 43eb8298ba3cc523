/**
 * The server clock as the TTL engine uses it: every expiry written is a server TIME read before the
 * write (never ahead of the clock the write uses) plus a TTL, so no TTL exceeds the rule's. Also
 * how far apart clocks and stamps may drift (a stale TIME, two cluster nodes' clocks).
 */

import type { Redis } from 'ioredis';
import type { NodeState } from './node.js';

/**
 * Options strategy: how old (local ms) the server time behind a stamped expiry may be. A page
 * written after a checkpoint may have stamped from a time up to this much before it, so the replay
 * window starts that much earlier.
 */
export const CLOCK_STALE_MS = 250;
/** Clocks of two cluster nodes may disagree: a key written on one is read back on another. */
export const CLOCK_SKEW_MS = 5000;

export async function serverTimeMs(redis: Redis): Promise<number> {
  const [sec, usec] = await redis.time();
  return Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
}

/** A TIME reply from a pipeline, in ms (0 when missing). */
export function timeReply(reply: [Error | null, unknown] | undefined): number {
  const value = reply?.[1];
  if (!Array.isArray(value)) return 0;
  return Number(value[0]) * 1000 + Math.floor(Number(value[1]) / 1000);
}

/**
 * A server time not ahead of the node's clock, for the stamped expiries of the options strategy:
 * the TIME read with an earlier page, read again when it is older than CLOCK_STALE_MS, so a TTL
 * written from it falls short of the stamped one by at most that (never exceeds it).
 */
export async function baseTime(node: NodeState): Promise<number> {
  const clock = node.clock;
  if (clock && performance.now() - clock.at < CLOCK_STALE_MS) return clock.serverMs;
  const serverMs = await serverTimeMs(node.redis);
  node.clock = { serverMs, at: performance.now() };
  return serverMs;
}
