/**
 * The census's pacing is the shared keyspace pacing (src/keyspace/pacing/); this path stays only
 * for the TTL engine's imports until it takes them from there.
 */
export { LatencyGuard, type LatencyGuardOptions } from '../keyspace/pacing/latency-guard.js';
export { sleep } from '../keyspace/pacing/sleep.js';
export { DEFAULT_THROTTLE, resolveThrottle, type ThrottleOptions } from '../keyspace/pacing/throttle.js';
export { TokenBucket } from '../keyspace/pacing/token-bucket.js';
