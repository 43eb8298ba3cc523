/** TTL buckets and key types as the pattern table counts them (indexes into fixed arrays). */
import type { KeyType, TtlBucket } from '../types.js';
import { TTL_BUCKETS } from '../types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TTL_LIMITS = [HOUR, DAY, 7 * DAY, 30 * DAY, 90 * DAY] as const;

/** Index into TTL_BUCKETS: -1 (or any negative) → none; thresholds are exclusive upper bounds. */
export function ttlBucketIndex(pttlMs: number): number {
  if (pttlMs < 0) return 0;
  if (pttlMs < HOUR) return 1;
  if (pttlMs < DAY) return 2;
  if (pttlMs < TTL_LIMITS[2]) return 3;
  if (pttlMs < TTL_LIMITS[3]) return 4;
  if (pttlMs < TTL_LIMITS[4]) return 5;
  return 6;
}

export function ttlBucketOf(pttlMs: number): TtlBucket {
  return TTL_BUCKETS[ttlBucketIndex(pttlMs)] as TtlBucket;
}

export const KEY_TYPES: readonly KeyType[] = ['string', 'hash', 'set', 'zset', 'list', 'stream', 'other'];

export function typeIndex(type: string): number {
  switch (type.length) {
    case 6:
      // string, stream
      return type.charCodeAt(3) === 0x69 ? 0 : type.charCodeAt(3) === 0x65 ? 5 : 6;
    case 4:
      // hash, zset, list
      return type === 'hash' ? 1 : type === 'zset' ? 3 : type === 'list' ? 4 : 6;
    case 3:
      return type === 'set' ? 2 : 6;
    default:
      return 6;
  }
}
