/**
 * How hard a keyspace walk may press a production server: the settings of its pacing (keys/s
 * budget, latency guard, page size) and their defaults.
 *
 * What hurts other clients is how long each server call blocks the (single-threaded) server and how
 * often it does: measured here (Redis 7.0, loopback), one census page (SCAN + PTTL + TYPE + MEMORY
 * USAGE per key, in one Lua call) blocks the server for about 4 µs per key: COUNT 50 ≈ 0.2 ms,
 * COUNT 200 ≈ 0.8 ms, COUNT 1000 ≈ 5 ms. The default keeps pages at ≤ 100 keys and ~100 pages/s,
 * so the server is busy with the walk ~4 % of the time, ~0.4 ms at a stretch.
 */

export interface ThrottleOptions {
  /**
   * Keys examined per second, per primary (each shard of a cluster is its own server with its own
   * budget). A page costs max(keys returned, SCAN COUNT): with MATCH the server examines COUNT keys
   * even when none match.
   */
  keysPerSec?: number;
  /** Pause while a PING round trip exceeds the idle baseline (measured at start) by more than this. */
  latencyGuardMs?: number;
  /** How long one pause lasts before PING is measured again. */
  pauseMs?: number;
  /** SCAN COUNT cap: bounds how long one server call blocks the server. */
  pageSize?: number;
}

/**
 * Safe for a 2-vCPU burstable node (t4g.small / medium: baseline 20 % per vCPU). 10 000 keys/s
 * costs the server ~4 % of one core (≈ 4 µs per key here; budget twice that on a small Graviton),
 * well under the baseline, so a long census does not drain CPU credits; 100-key pages block the
 * server ~0.4 ms at a time. 6.6 M keys take about 11 minutes.
 */
export const DEFAULT_THROTTLE: Readonly<Required<ThrottleOptions>> = Object.freeze({
  keysPerSec: 10_000,
  latencyGuardMs: 2,
  pauseMs: 250,
  pageSize: 100,
});

/** `false` = unthrottled; `undefined` = the default; a partial object is completed from the default. */
export function resolveThrottle(
  throttle: ThrottleOptions | false | undefined,
): Readonly<Required<ThrottleOptions>> | null {
  if (throttle === false) return null;
  const merged = { ...DEFAULT_THROTTLE, ...stripUndefined(throttle ?? {}) };
  for (const [name, value] of Object.entries(merged)) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`throttle.${name} must be a positive number, got ${value}`);
    }
  }
  return { ...merged, pageSize: Math.max(1, Math.floor(merged.pageSize)) };
}

function stripUndefined(o: ThrottleOptions): ThrottleOptions {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ThrottleOptions;
}
