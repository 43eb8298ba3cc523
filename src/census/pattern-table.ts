/**
 * Per-pattern counters of a census: keys, keys without TTL, bytes, TTL spread, types and the largest
 * keys, in memory bounded by the number of patterns (never by the number of keys).
 *
 * Per key: the configured rule globs are tried first (first match wins); otherwise the inferred
 * pattern is written into a reused buffer, hashed (FNV-1a) and looked up in an open-addressing table
 * of pattern bytes: nothing is allocated for a key of a known pattern, except the display name of a
 * key that enters its pattern's largest-keys heap.
 *
 * Bound: at most `maxPatterns` entries. Rule patterns always get theirs; inferred patterns may take
 * what is left minus an overflow reserve (10 %) and one slot for `*`. Once inferred patterns are
 * full, a new pattern is folded: into its deepest existing ancestor (`a:b:c:*` → `a:b:*` → `a:*`),
 * else into a new overflow entry for its first segment (`a:*`) while the reserve lasts, else into
 * `*`. Every key counted under a pattern matches that pattern's glob; totals stay exact.
 */
import { compileGlob, type KeyMatcher } from '../keyspace/glob.js';
import { displayKey, PatternInferrer } from './key-pattern.js';
import type { KeyType, LargestKey, PatternStats, ScannedKey, TtlBucket } from './types.js';
import { TTL_BUCKETS } from './types.js';

export interface PatternTableOptions {
  /** Upper bound on distinct patterns (entries) kept. @defaultValue 10 000 */
  maxPatterns?: number;
  /** Configured globs (e.g. TTL rules' MATCH); they win over inference, first match wins. */
  rules?: readonly { pattern: string }[];
  /** @defaultValue ':' */
  delimiters?: string;
  /** Largest keys kept per pattern. @defaultValue 5 */
  largestPerPattern?: number;
}

export interface PatternTableResult {
  /** Biggest memory first (then most keys, then pattern). */
  patterns: PatternStats[];
  /** Distinct inferred patterns folded into an ancestor because of the bound (exact up to 65 536, then a HyperLogLog estimate, ±1 %). */
  overflowFolded: number;
  totalKeys: number;
  totalKeysWithoutTtl: number;
  totalBytes: number;
  /** Keys whose MEMORY USAGE was unavailable (`bytes: null`): counted with 0 bytes. */
  keysWithoutBytes: number;
}

/**
 * A table's counters as plain JSON, for a census checkpoint: `PatternTable.restore` with the same
 * options gives a table that goes on exactly as this one would have.
 */
export interface PatternTableState {
  entries: PatternEntryState[];
  inferredCount: number;
  overflowCount: number;
  folded: DistinctCounterState;
  totals: { keys: number; noTtl: number; bytes: number; keysWithoutBytes: number };
}

export interface PatternEntryState {
  pattern: string;
  source: PatternStats['source'];
  /** Rule entries: the rule's index. */
  rule?: number;
  /** Inferred and overflow entries: the pattern's bytes (base64; names need not be UTF-8). */
  patternBytes?: string;
  keys: number;
  noTtl: number;
  bytes: number;
  bytesSquares: number;
  folded: number;
  ttl: number[];
  types: number[];
  largest: LargestKey[];
}

export type DistinctCounterState = { exact: number[] } | { registers: string };

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

const KEY_TYPES: readonly KeyType[] = ['string', 'hash', 'set', 'zset', 'list', 'stream', 'other'];

function typeIndex(type: string): number {
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

type Source = PatternStats['source'];

class Entry {
  keys = 0;
  noTtl = 0;
  bytes = 0;
  bytesSquares = 0;
  folded = 0;
  readonly ttl = new Float64Array(7);
  readonly types = new Float64Array(7);
  /** Min-heap on bytes of the largest keys. */
  heapSize = 0;
  readonly heapBytes: Float64Array;
  readonly heapKeys: (LargestKey | undefined)[];

  constructor(
    readonly pattern: string,
    readonly source: Source,
    /** UTF-8 bytes of the pattern (inferred and overflow entries). */
    readonly patternBytes: Uint8Array | null,
    readonly hash: number,
    largest: number,
  ) {
    this.heapBytes = new Float64Array(largest);
    this.heapKeys = new Array<LargestKey | undefined>(largest).fill(undefined);
  }
}

function fnv1a(buf: Uint8Array, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0;
}

/** A second, independent 32-bit hash (for distinct counting of folded patterns). */
function murmurish(buf: Uint8Array, len: number): number {
  let h = 0x9747b28c ^ len;
  for (let i = 0; i < len; i++) {
    h = Math.imul(h ^ (buf[i] as number), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Distinct count: exact up to `exactLimit`, then HyperLogLog (p = 14, ~0.8 % error). */
class DistinctCounter {
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

export class PatternTable {
  private readonly maxPatterns: number;
  private readonly largest: number;
  private readonly inferrer: PatternInferrer;
  private readonly ruleMatchers: KeyMatcher[];
  private readonly rulePatterns: string[];
  private readonly ruleEntries: (Entry | undefined)[];
  private readonly inferredLimit: number;
  private readonly overflowLimit: number;
  /** Every entry, creation order. */
  private readonly entries: Entry[] = [];
  /** Open addressing over inferred/overflow entries: entry index + 1, 0 = empty. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  private inferredCount = 0;
  private overflowCount = 0;
  private star: Entry | undefined;
  private readonly folded = new DistinctCounter();
  private ancestorScratch: Buffer = Buffer.allocUnsafe(1024);
  private readonly cuts: number[] = [];

  private totalKeys = 0;
  private totalNoTtl = 0;
  private totalBytes = 0;
  private keysWithoutBytes = 0;

  constructor(opts: PatternTableOptions = {}) {
    const rules = opts.rules ?? [];
    this.maxPatterns = opts.maxPatterns ?? 10_000;
    this.largest = opts.largestPerPattern ?? 5;
    if (!Number.isInteger(this.maxPatterns) || this.maxPatterns < rules.length + 2) {
      throw new Error(
        `maxPatterns must be an integer >= rules + 2 (${rules.length + 2}), got ${this.maxPatterns}`,
      );
    }
    if (!Number.isInteger(this.largest) || this.largest < 0) {
      throw new Error(`largestPerPattern must be an integer >= 0, got ${this.largest}`);
    }
    this.inferrer = new PatternInferrer(opts.delimiters === undefined ? {} : { delimiters: opts.delimiters });
    this.rulePatterns = rules.map((r) => r.pattern);
    this.ruleMatchers = rules.map((r) => compileGlob(r.pattern));
    this.ruleEntries = rules.map(() => undefined);
    const free = this.maxPatterns - rules.length - 1; // one slot kept for `*`
    this.overflowLimit = Math.floor(free / 10);
    this.inferredLimit = free - this.overflowLimit;
    let cap = 16;
    while (cap < 2 * (this.inferredLimit + this.overflowLimit + 1)) cap *= 2;
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Patterns held (entries), at most `maxPatterns`. */
  get size(): number {
    return this.entries.length;
  }

  add(key: ScannedKey): void {
    const name = key.name;
    let entry: Entry | undefined;
    const rules = this.ruleMatchers;
    for (let r = 0; r < rules.length; r++) {
      if ((rules[r] as KeyMatcher)(name)) {
        entry = this.ruleEntries[r] ?? this.createRuleEntry(r);
        break;
      }
    }
    if (entry === undefined) entry = this.inferred(name);

    const pttl = key.pttlMs;
    const bucket = ttlBucketIndex(pttl);
    entry.keys++;
    entry.ttl[bucket] = (entry.ttl[bucket] as number) + 1;
    const t = typeIndex(key.type);
    entry.types[t] = (entry.types[t] as number) + 1;
    this.totalKeys++;
    if (bucket === 0) {
      entry.noTtl++;
      this.totalNoTtl++;
    }
    const bytes = key.bytes;
    if (bytes === null) {
      this.keysWithoutBytes++;
      return;
    }
    entry.bytes += bytes;
    entry.bytesSquares += bytes * bytes;
    this.totalBytes += bytes;
    if (this.largest > 0 && (entry.heapSize < this.largest || bytes > (entry.heapBytes[0] as number))) {
      this.pushLargest(entry, { key: displayKey(name), bytes, type: key.type, pttlMs: pttl });
    }
  }

  result(): PatternTableResult {
    const patterns = this.entries.map((e) => this.stats(e));
    patterns.sort((a, b) => b.bytes - a.bytes || b.keys - a.keys || (a.pattern < b.pattern ? -1 : 1));
    return {
      patterns,
      overflowFolded: this.folded.count,
      totalKeys: this.totalKeys,
      totalKeysWithoutTtl: this.totalNoTtl,
      totalBytes: this.totalBytes,
      keysWithoutBytes: this.keysWithoutBytes,
    };
  }

  /** The counters as plain JSON (see {@link PatternTableState}). */
  state(): PatternTableState {
    return {
      entries: this.entries.map((e) => {
        const rule = e.source === 'rule' ? this.ruleEntries.indexOf(e) : -1;
        return {
          pattern: e.pattern,
          source: e.source,
          ...(rule >= 0 ? { rule } : {}),
          ...(e.patternBytes ? { patternBytes: Buffer.from(e.patternBytes).toString('base64') } : {}),
          keys: e.keys,
          noTtl: e.noTtl,
          bytes: e.bytes,
          bytesSquares: e.bytesSquares,
          folded: e.folded,
          ttl: [...e.ttl],
          types: [...e.types],
          largest: e.heapKeys.slice(0, e.heapSize) as LargestKey[],
        };
      }),
      inferredCount: this.inferredCount,
      overflowCount: this.overflowCount,
      folded: this.folded.state(),
      totals: {
        keys: this.totalKeys,
        noTtl: this.totalNoTtl,
        bytes: this.totalBytes,
        keysWithoutBytes: this.keysWithoutBytes,
      },
    };
  }

  /**
   * A table built with `opts` holding `state`. Throws when the state does not fit the options (the
   * rules changed since it was saved): then the census has to start over.
   */
  static restore(opts: PatternTableOptions, state: PatternTableState): PatternTable {
    const table = new PatternTable(opts);
    for (const saved of state.entries) {
      let entry: Entry;
      if (saved.source === 'rule') {
        const r = saved.rule ?? -1;
        if (table.rulePatterns[r] !== saved.pattern || table.ruleEntries[r]) {
          throw new Error(`census checkpoint: rule ${saved.pattern} is not configured any more`);
        }
        entry = table.createRuleEntry(r);
      } else {
        const bytes = new Uint8Array(Buffer.from(saved.patternBytes ?? '', 'base64'));
        if (table.entries.length >= table.maxPatterns)
          throw new Error('census checkpoint: too many patterns');
        entry = table.insert(bytes, bytes.length, fnv1a(bytes, bytes.length), saved.source);
      }
      entry.keys = saved.keys;
      entry.noTtl = saved.noTtl;
      entry.bytes = saved.bytes;
      entry.bytesSquares = saved.bytesSquares;
      entry.folded = saved.folded;
      entry.ttl.set(saved.ttl);
      entry.types.set(saved.types);
      for (const item of saved.largest.slice(0, table.largest)) table.pushLargest(entry, item);
    }
    table.inferredCount = state.inferredCount;
    table.overflowCount = state.overflowCount;
    table.folded.load(state.folded);
    table.totalKeys = state.totals.keys;
    table.totalNoTtl = state.totals.noTtl;
    table.totalBytes = state.totals.bytes;
    table.keysWithoutBytes = state.totals.keysWithoutBytes;
    return table;
  }

  // -------------------------------------------------------------------------------------------

  private stats(e: Entry): PatternStats {
    const ttlBuckets = {} as Record<TtlBucket, number>;
    TTL_BUCKETS.forEach((b, i) => {
      ttlBuckets[b] = e.ttl[i] as number;
    });
    const types: Partial<Record<KeyType, number>> = {};
    KEY_TYPES.forEach((type, i) => {
      const n = e.types[i] as number;
      if (n > 0) types[type] = n;
    });
    const largest = (e.heapKeys.slice(0, e.heapSize) as LargestKey[]).sort((a, b) => b.bytes - a.bytes);
    const stats: PatternStats = {
      pattern: e.pattern,
      source: e.source,
      keys: e.keys,
      keysWithoutTtl: e.noTtl,
      bytes: e.bytes,
      ttlBuckets,
      types,
      largest,
      bytesSquares: e.bytesSquares,
    };
    if (e.folded > 0) stats.folded = e.folded;
    return stats;
  }

  private createRuleEntry(r: number): Entry {
    const entry = new Entry(this.rulePatterns[r] as string, 'rule', null, 0, this.largest);
    this.ruleEntries[r] = entry;
    this.entries.push(entry);
    return entry;
  }

  private inferred(name: Uint8Array): Entry {
    const len = this.inferrer.infer(name);
    const out = this.inferrer.out;
    const h = fnv1a(out, len);
    const found = this.lookup(out, len, h);
    if (found !== undefined) return found;
    if (this.inferredCount < this.inferredLimit) {
      this.inferredCount++;
      return this.insert(out, len, h, 'inferred');
    }
    return this.fold(out, len, h);
  }

  private lookup(buf: Uint8Array, len: number, h: number): Entry | undefined {
    const slots = this.slots;
    const mask = this.mask;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const slot = slots[i] as number;
      if (slot === 0) return undefined;
      const e = this.entries[slot - 1] as Entry;
      if (e.hash === h) {
        const pb = e.patternBytes as Uint8Array;
        if (pb.length === len) {
          let k = 0;
          while (k < len && pb[k] === buf[k]) k++;
          if (k === len) return e;
        }
      }
      i = (i + 1) & mask;
    }
  }

  private insert(buf: Uint8Array, len: number, h: number, source: Source): Entry {
    const bytes = Uint8Array.prototype.slice.call(buf, 0, len);
    const pattern = Buffer.from(bytes.buffer, bytes.byteOffset, len).toString('utf8');
    const entry = new Entry(pattern, source, bytes, h, this.largest);
    this.entries.push(entry);
    let i = (h ^ (h >>> 15)) & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = this.entries.length;
    return entry;
  }

  /** The inferred pattern out[0, len) has no entry and no room: fold it into an ancestor. */
  private fold(out: Uint8Array, len: number, h: number): Entry {
    this.folded.add(murmurish(out, len), h);
    // Delimiter positions, each the end of an ancestor prefix.
    const cuts = this.cuts;
    cuts.length = 0;
    for (let i = 0; i < len; i++) if (this.inferrer.isDelimiter(out[i] as number)) cuts.push(i);
    if (this.ancestorScratch.length < len + 2) this.ancestorScratch = Buffer.allocUnsafe(2 * len + 2);
    const anc = this.ancestorScratch;
    for (let k = 0; k < len; k++) anc[k] = out[k] as number;
    let target: Entry | undefined;
    for (let c = cuts.length - 1; c >= 0 && target === undefined; c--) {
      const end = (cuts[c] as number) + 1;
      // `a:*` is its own deepest "ancestor": skip it.
      if (end === len - 1 && out[len - 1] === 0x2a) continue;
      anc[end] = 0x2a;
      target = this.lookup(anc, end + 1, fnv1a(anc, end + 1));
    }
    if (target === undefined && cuts.length > 0 && this.overflowCount < this.overflowLimit) {
      const end = (cuts[0] as number) + 1;
      anc[end] = 0x2a;
      this.overflowCount++;
      target = this.insert(anc, end + 1, fnv1a(anc, end + 1), 'overflow');
    }
    if (target === undefined) target = this.starEntry();
    target.folded++;
    return target;
  }

  private starEntry(): Entry {
    if (this.star) return this.star;
    const anc = this.ancestorScratch;
    anc[0] = 0x2a;
    const h = fnv1a(anc, 1);
    this.star = this.lookup(anc, 1, h) ?? this.insert(anc, 1, h, 'overflow');
    return this.star;
  }

  private pushLargest(e: Entry, item: LargestKey): void {
    const heap = e.heapBytes;
    const keys = e.heapKeys;
    if (e.heapSize < heap.length) {
      // sift up
      let i = e.heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((heap[parent] as number) <= item.bytes) break;
        heap[i] = heap[parent] as number;
        keys[i] = keys[parent];
        i = parent;
      }
      heap[i] = item.bytes;
      keys[i] = item;
      return;
    }
    // replace the root (smallest), sift down
    const n = e.heapSize;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (heap[r] as number) < (heap[l] as number) ? r : l;
      if ((heap[c] as number) >= item.bytes) break;
      heap[i] = heap[c] as number;
      keys[i] = keys[c];
      i = c;
    }
    heap[i] = item.bytes;
    keys[i] = item;
  }
}
