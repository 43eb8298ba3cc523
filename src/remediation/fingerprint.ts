/**
 * How a resumed TTL run tells its own earlier writes from an application's: every expiry the engine
 * writes is stamped. The run writes an absolute expiry `base + ttl` (base: the server's own clock,
 * never ahead of it, so the TTL is at most `ttl`) with `ttl` in the rule's range [minMs, maxMs]
 * chosen so that `expiry ≡ mark (mod space)`, where `mark` is a hash of the run's salt and the key
 * name and `space` is the width of the range. The TTLs stay uniform over the range (mark is), and
 * an expiry someone else wrote carries the mark by chance with probability 1 / space: about 3 in a
 * million for a 1 h rule with 10 % jitter, instead of "any TTL in the range written while the
 * previous attempt might have been writing", which an application using the same TTL hits often.
 * A rule without jitter has a space of 1: nothing to stamp, recognition falls back to the time window.
 */

export interface Stamp {
  minMs: number;
  maxMs: number;
  /** maxMs − minMs + 1: how many expiries in a row carry distinct marks. */
  space: number;
}

export function stampFor(minMs: number, maxMs: number): Stamp {
  return { minMs, maxMs, space: maxMs - minMs + 1 };
}

/** The key's mark in [0, space): a hash of (salt, name). */
export function markOf(name: Uint8Array, salt: number, stamp: Stamp): number {
  return Math.floor(jitteredHash(name, salt) * stamp.space);
}

/** The TTL (ms, in [minMs, maxMs]) that, written at server time `baseMs`, ends on an expiry carrying `mark`. */
export function stampedTtlMs(mark: number, baseMs: number, stamp: Stamp): number {
  return stamp.minMs + mod(mark - baseMs - stamp.minMs, stamp.space);
}

/** Server-time window [lo, hi) in which an earlier attempt may have written (lo >= hi: none). */
export interface OwnWindow {
  lo: number;
  hi: number;
}

/**
 * True when `expiry` is one this run wrote between `window.lo` and `window.hi`, read within
 * `toleranceMs` of what was written (0 with PEXPIRETIME on the node that wrote it).
 */
export function isOwnExpiry(
  expiry: number,
  mark: number,
  window: OwnWindow,
  stamp: Stamp,
  toleranceMs = 0,
): boolean {
  if (expiry < 0 || window.lo >= window.hi) return false;
  if (expiry < window.lo + stamp.minMs - toleranceMs || expiry >= window.hi + stamp.maxMs + toleranceMs) {
    return false;
  }
  return mod(mark - expiry, stamp.space) <= toleranceMs || mod(expiry - mark, stamp.space) <= toleranceMs;
}

/** A hash of salt and name, uniform in [0, 1): FNV-1a then the murmur3 finaliser. */
export function jitteredHash(name: Uint8Array, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}
