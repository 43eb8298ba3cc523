/**
 * A sampled census: the counts of the keys read are scaled to the whole keyspace, with ~95 %
 * error bounds.
 *
 * Sampling model: the n keys read are a simple random sample (without replacement) of the N keys,
 * `fraction` = n / N. SCAN visits hash buckets in an order unrelated to key names, so a walk stopped
 * early is close to that (on a cluster every primary must be walked to the same fraction).
 *
 * Bounds, with z = 1.96 and the finite-population factor (1 − f) (so a full census has none):
 *   - a pattern's key count, X of the n keys: the Wilson interval of its share p = X / n with the
 *       effective sample size n / (1 − f), times N. Unlike the plain normal interval it stays
 *       sensible for small X (never below the X keys actually seen, never symmetric around 1 key);
 *       `keys` is the larger side relative to the estimate;
 *   - keys without TTL: the normal interval, relative z·sqrt((1 − f)(1 − p)/X);
 *   - a pattern's bytes S = Σ b (with Σ b² = Q over its sampled keys): the estimator N/n·S has
 *       relative half-width z·sqrt((1 − f)(Q/S² − 1/n)) (equal to the count bound when all keys
 *       have the same size; wider when a few big keys dominate).
 * A pattern seen fewer than `MIN_RELIABLE_SEEN` times has no usable bound (these approximations
 * need a few dozen sightings): it is marked unreliable so the front ends say "seen n times".
 * The headline `errorBound` (the "±x %" next to the table) is the worst bound over the patterns
 * that matter: the key-count bound of every pattern holding at least `HEADLINE_MIN_SHARE` of the
 * keys (however few times it was seen: a small sample of a 2 % pattern is honestly imprecise), and
 * the bytes bound of reliable patterns holding that share of the memory (a big key seen once has no
 * usable bytes bound). A pattern below the share, seen once or twice, can't blow it up, and a
 * pattern crossing `MIN_RELIABLE_SEEN` as the sample grows can't make it jump up.
 */
import type { PatternErrorBound, PatternStats, TtlBucket } from './types.js';
import { TTL_BUCKETS } from './types.js';

/** What a census table holds and `extrapolate` scales (a `PatternTableResult` is one). */
export interface CensusFigures {
  patterns: PatternStats[];
  totalKeys: number;
  totalKeysWithoutTtl: number;
  totalBytes: number;
}

export interface ExtrapolateOptions {
  /** @defaultValue 1.96 (95 %) */
  z?: number;
}

export const Z95 = 1.96;

/** Sightings below which a pattern's estimate is reported as unreliable (and left out of the headline). */
export const MIN_RELIABLE_SEEN = 30;

/** Share of the keys (any pattern) or of the memory (reliable patterns) from which a pattern counts for the headline bound. */
export const HEADLINE_MIN_SHARE = 0.01;

/**
 * Wilson score interval (~95 % with the default z) of a proportion seen x times in n sampled keys,
 * with the finite-population correction: the effective sample size is n / (1 − fraction).
 */
export function wilsonInterval(x: number, n: number, fraction = 0, z = Z95): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = Math.min(1, Math.max(0, x / n));
  const fpc = Math.max(0, 1 - fraction);
  if (fpc === 0) return { low: p, high: p };
  const m = n / fpc;
  const z2 = z * z;
  const denom = 1 + z2 / m;
  const center = (p + z2 / (2 * m)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / m + z2 / (4 * m * m));
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}

/**
 * Half-width of the ~95 % interval of a proportion p estimated from n sampled keys:
 * z·sqrt(p(1 − p)/n), times sqrt(1 − fraction) for a sample of that fraction of the population.
 */
export function proportionHalfWidth(p: number, n: number, fraction = 0, z = Z95): number {
  if (n <= 0) return Number.POSITIVE_INFINITY;
  return z * Math.sqrt((Math.max(0, 1 - fraction) * p * (1 - p)) / n);
}

/** Relative half-width of a count X of n sampled keys (null when X is 0: no relative bound). */
export function countRelativeBound(x: number, n: number, fraction: number, z = Z95): number | null {
  if (x <= 0 || n <= 0) return null;
  const p = Math.min(1, x / n);
  return proportionHalfWidth(p, n, fraction, z) / p;
}

/** Relative half-width of a pattern's extrapolated bytes from S = Σ b and Q = Σ b² (null when S is 0). */
export function bytesRelativeBound(
  sum: number,
  squares: number,
  n: number,
  fraction: number,
  z = Z95,
): number | null {
  if (sum <= 0 || n <= 0) return null;
  return z * Math.sqrt(Math.max(0, 1 - fraction) * Math.max(0, squares / (sum * sum) - 1 / n));
}

/**
 * Scales every count (keys, bytes, TTL buckets, types; totals) by 1/fraction and attaches error
 * bounds. Rounded so the parts still add up: patterns to the scaled totals, buckets and types to
 * their pattern's scaled keys (largest remainder). Keys without TTL are the pattern's sampled share
 * of its scaled keys (never more than them; all of them when every sampled key lacked a TTL), the
 * `none` bucket equals them, and their total is the sum over patterns. `largest` keys are kept as read.
 * `fraction` 1 returns the figures as they are, with no bound.
 *
 * @param fraction keys read / keys in the keyspace, in (0, 1]
 * @param scanned keys read (n)
 */
export function extrapolate<T extends CensusFigures>(
  stats: T,
  fraction: number,
  scanned: number,
  opts: ExtrapolateOptions = {},
): T & { errorBound: number | undefined } {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`fraction must be in (0, 1], got ${fraction}`);
  if (!Number.isInteger(scanned) || scanned < 0) {
    throw new RangeError(`scanned must be a non-negative integer, got ${scanned}`);
  }
  if (fraction === 1) return { ...stats, errorBound: undefined };
  const z = opts.z ?? Z95;
  const scale = 1 / fraction;
  const population = scanned * scale;
  const totalKeys = Math.round(stats.totalKeys * scale);
  const totalBytes = Math.round(stats.totalBytes * scale);
  const ps = stats.patterns;
  const keys = apportion(
    ps.map((p) => p.keys * scale),
    totalKeys,
  );
  const bytes = apportion(
    ps.map((p) => p.bytes * scale),
    totalBytes,
  );
  // Keys without TTL are a share of the pattern's own scaled keys, so they never exceed them and a
  // pattern whose sampled keys all lack a TTL still never expires once scaled.
  const noTtl = ps.map((p, i) => withoutTtlOf(p.keysWithoutTtl, p.keys, keys[i] as number));
  const totalKeysWithoutTtl = noTtl.reduce((a, b) => a + b, 0);
  let headline = 0;
  // Only when no pattern matters (a tiny sample): the worst key-count bound, honestly wide.
  let fallback = 0;
  const patterns = ps.map((p, i): PatternStats => {
    const k = keys[i] as number;
    const none = noTtl[i] as number;
    // The `none` bucket is the keys without TTL; the others share the rest of the pattern's keys.
    const withTtl = TTL_BUCKETS.filter((b) => b !== 'none');
    const buckets = apportion(
      withTtl.map((b) => (p.ttlBuckets[b] ?? 0) * scale),
      k - none,
    );
    const ttlBuckets = { none } as Record<TtlBucket, number>;
    withTtl.forEach((b, j) => {
      ttlBuckets[b] = buckets[j] as number;
    });
    const typeEntries = Object.entries(p.types) as [keyof PatternStats['types'], number][];
    const typeCounts = apportion(
      typeEntries.map(([, n]) => n * scale),
      k,
    );
    const types: PatternStats['types'] = {};
    typeEntries.forEach(([type], j) => {
      types[type] = typeCounts[j] as number;
    });
    const errorBound = patternBound(p, k, { scanned, fraction, population, z });
    if (k >= HEADLINE_MIN_SHARE * totalKeys) headline = Math.max(headline, errorBound.keys ?? 0);
    if (errorBound.reliable === true && (bytes[i] as number) >= HEADLINE_MIN_SHARE * totalBytes) {
      headline = Math.max(headline, errorBound.bytes ?? 0);
    }
    fallback = Math.max(fallback, errorBound.keys ?? 0);
    const { bytesSquares: _dropped, ...rest } = p;
    return {
      ...rest,
      keys: k,
      keysWithoutTtl: noTtl[i] as number,
      bytes: bytes[i] as number,
      // Other patterns' keys the glob also selects: seen in the sample, so scaled like the keys.
      ...(p.overlapKeys === undefined ? {} : { overlapKeys: Math.round(p.overlapKeys * scale) }),
      ttlBuckets,
      types,
      errorBound,
    };
  });
  const errorBound = headline > 0 ? headline : fallback;
  return { ...stats, totalKeys, totalKeysWithoutTtl, totalBytes, patterns, errorBound };
}

interface SampleShape {
  scanned: number;
  fraction: number;
  /** N: the keys the sample stands for. */
  population: number;
  z: number;
}

/** One pattern's bounds from what the sample read of it; `scaledKeys` is its extrapolated key count. */
function patternBound(p: PatternStats, scaledKeys: number, s: SampleShape): PatternErrorBound {
  const { scanned, fraction, population, z } = s;
  const seen = p.keys;
  const share = wilsonInterval(seen, scanned, fraction, z);
  // At least the keys seen; at most every key the sample did not find in another pattern.
  const keysLow = Math.max(seen, Math.floor(share.low * population));
  const keysHigh = Math.max(
    keysLow,
    Math.min(Math.ceil(share.high * population), population - (scanned - seen)),
  );
  const keys =
    seen > 0 && scaledKeys > 0 ? Math.max(scaledKeys - keysLow, keysHigh - scaledKeys) / scaledKeys : null;
  return {
    keys,
    keysWithoutTtl: countRelativeBound(p.keysWithoutTtl, scanned, fraction, z),
    bytes:
      p.bytesSquares === undefined
        ? p.bytes > 0
          ? countRelativeBound(p.keys, scanned, fraction, z)
          : null
        : bytesRelativeBound(p.bytes, p.bytesSquares, scanned, fraction, z),
    seen,
    keysLow,
    keysHigh: Math.round(keysHigh),
    reliable: seen >= MIN_RELIABLE_SEEN,
  };
}

/**
 * A pattern's scaled keys without TTL: its sampled share of them applied to its scaled keys, kept
 * strictly between 0 and all of them unless the sample saw none or only such keys.
 */
function withoutTtlOf(sampledWithout: number, sampledKeys: number, scaledKeys: number): number {
  if (sampledWithout <= 0 || sampledKeys <= 0) return 0;
  if (sampledWithout >= sampledKeys) return scaledKeys;
  const estimate = Math.round((scaledKeys * sampledWithout) / sampledKeys);
  return Math.min(Math.max(estimate, 1), Math.max(scaledKeys - 1, 0));
}

/**
 * Rounds `values` to integers adding up to `target` (largest remainder) when that is possible
 * (the values add up to `target` give or take rounding); otherwise rounds each.
 */
export function apportion(values: readonly number[], target: number): number[] {
  const floors = values.map((v) => Math.floor(v));
  let missing = target - floors.reduce((a, b) => a + b, 0);
  const fractional = values.reduce((n, v) => n + (v > Math.floor(v) ? 1 : 0), 0);
  if (missing < 0 || missing > fractional) return values.map((v) => Math.round(v));
  const order = values
    .map((v, i) => ({ i, rem: v - Math.floor(v) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0; missing > 0; k++, missing--) {
    const i = (order[k] as { i: number }).i;
    floors[i] = (floors[i] as number) + 1;
  }
  return floors;
}
