/**
 * Hashes and a bounded distinct counter (exact, then HyperLogLog) for the pattern table: the
 * table counts how many distinct patterns it had to fold without keeping them.
 */

export type DistinctCounterState = { exact: number[] } | { registers: string };

export function fnv1a(buf: Uint8Array, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0;
}

/**
 * The open-addressing table's hash of buf[0, len): four bytes per multiply (a pattern is hashed
 * once per key, so this is on the census's hot path). Only for finding slots: nothing saved uses it.
 */
export function slotHash(buf: Uint8Array, len: number): number {
  let h = 0x9e3779b9 ^ len;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const w =
      (buf[i] as number) |
      ((buf[i + 1] as number) << 8) |
      ((buf[i + 2] as number) << 16) |
      ((buf[i + 3] as number) << 24);
    h = Math.imul(h ^ w, 0x5bd1e995);
    h ^= h >>> 15;
  }
  for (; i < len; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** True where a 32-bit word read from memory is its bytes in little-endian order. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `slotHash(buf, len)` reading whole words from `words`, a view of the same memory at offset 0
 * (equal on little-endian machines only: callers check {@link LITTLE_ENDIAN}).
 */
export function slotHashWords(words: Int32Array, buf: Uint8Array, len: number): number {
  let h = 0x9e3779b9 ^ len;
  const whole = len >> 2;
  for (let k = 0; k < whole; k++) {
    h = Math.imul(h ^ (words[k] as number), 0x5bd1e995);
    h ^= h >>> 15;
  }
  for (let i = whole << 2; i < len; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A second, independent 32-bit hash (for distinct counting of folded patterns). */
export function murmurish(buf: Uint8Array, len: number): number {
  let h = 0x9747b28c ^ len;
  for (let i = 0; i < len; i++) {
    h = Math.imul(h ^ (buf[i] as number), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Distinct count: exact up to `exactLimit`, then HyperLogLog (p = 14, ~0.8 % error). */
export class DistinctCounter {
  private exact: Set<number> | null = new Set();
  private registers: Uint8Array | null = null;
  constructor(private readonly exactLimit = 65_536) {}

  /** `hi` and `lo` are two independent 32-bit hashes of the item. */
  add(hi: number, lo: number): void {
    if (this.exact) {
      this.exact.add(hi * 2_097_152 + (lo & 0x1fffff));
      if (this.exact.size <= this.exactLimit) return;
      this.registers = new Uint8Array(16_384);
      for (const v of this.exact) this.hll(Math.floor(v / 2_097_152), v % 2_097_152);
      this.exact = null;
    }
    this.hll(hi, lo);
  }

  private hll(hi: number, lo: number): void {
    const regs = this.registers as Uint8Array;
    const idx = hi >>> 18;
    // rank of the remaining 18 bits of hi, then lo's bits
    const rest = ((hi & 0x3ffff) << 14) | (lo & 0x3fff);
    const rank = rest === 0 ? 33 : Math.clz32(rest) + 1;
    if (rank > (regs[idx] as number)) regs[idx] = rank;
  }

  state(): DistinctCounterState {
    if (this.exact) return { exact: [...this.exact] };
    return { registers: Buffer.from(this.registers as Uint8Array).toString('base64') };
  }

  load(state: DistinctCounterState): void {
    if ('exact' in state) {
      this.exact = new Set(state.exact);
      this.registers = null;
    } else {
      this.exact = null;
      this.registers = new Uint8Array(Buffer.from(state.registers, 'base64'));
    }
  }

  get count(): number {
    if (this.exact) return this.exact.size;
    const regs = this.registers as Uint8Array;
    const m = regs.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = regs[i] as number;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    let estimate = (alpha * m * m) / sum;
    if (estimate <= 2.5 * m && zeros > 0) estimate = m * Math.log(m / zeros);
    return Math.round(estimate);
  }
}
