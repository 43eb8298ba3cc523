/**
 * Deterministic randomness for the dataset: a seeded PRNG and bijective id scrambles, so the same
 * seed gives the same keys and distinct indexes never produce the same id.
 */

/** murmur3's finalizer: a bijection on uint32, so scrambled ids of distinct indexes never collide. */
export function fmix32(input: number): number {
  let h = input >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Unique per index (i < 2^32) for a fixed salt. */
export function scramble(i: number, salt: number): number {
  return fmix32((i + salt) >>> 0);
}

const HEX_DIGITS = '0123456789abcdef';
const HEX_POOL = (() => {
  let state = 0x9e3779b9;
  const chars: string[] = [];
  for (let i = 0; i < 65_536; i++) {
    state = fmix32(state + i);
    chars.push(HEX_DIGITS[state & 15] as string);
  }
  return chars.join('');
})();

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32 */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Inclusive range. */
  int(min: number, max: number): number {
    return min + Math.floor((this.u32() / 4_294_967_296) * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Random-looking hex: a slice of a fixed random pool (slicing is far cheaper than formatting). */
  hex(chars: number): string {
    const start = this.int(0, HEX_POOL.length - chars);
    return HEX_POOL.slice(start, start + chars);
  }

  /** A number with exactly `count` digits (count <= 15). */
  digits(count: number): string {
    return String(this.int(10 ** (count - 1), 10 ** count - 1));
  }
}
