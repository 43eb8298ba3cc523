/**
 * Per-pattern counters of a census: keys, keys without TTL, bytes, TTL spread, types and the largest
 * keys, in memory bounded by the number of templates (never by the number of keys).
 *
 * Per key: the configured rule globs are tried first (first match wins); otherwise the key's
 * template (`PatternInferrer`: typed tokens already `*`) is written into a reused buffer, hashed
 * (FNV-1a) and looked up in an open-addressing table: nothing is allocated for a key of a known
 * template, except the display name of a key that enters its entry's largest-keys heap. A new
 * template is first compared with the others (families.ts): when one of its positions already
 * varies, it joins that position's collapsed template instead of getting an entry of its own.
 * `result()` then merges the templates into families (families.ts, family-result.ts).
 *
 * Bound: at most `maxPatterns` entries. Rule patterns always get theirs; templates may take what is
 * left minus an overflow reserve (10 %) and one slot for `*`. Once full, a new template is folded:
 * into its deepest existing ancestor (`a:b:c:*` → `a:b:*` → `a:*`), else into a new overflow entry
 * for its first segment (`a:*`) while the reserve lasts, else into `*`. Every key counted under a
 * pattern matches that pattern's glob; totals stay exact.
 */
import { compileGlob, type KeyMatcher } from '../../keyspace/glob.js';
import type { LargestKey, ScannedKey } from '../types.js';
import { displayKey } from './bytes.js';
import { Entry, pushLargest, type Source } from './entry.js';
import { collapsed, FamilyGroups, joinTemplate, MARK, splitTemplate } from './families.js';
import { buildResult } from './family-result.js';
import { DistinctCounter, fnv1a, LITTLE_ENDIAN, murmurish, slotHash, slotHashWords } from './hash.js';
import { PatternInferrer } from './inferrer.js';
import type { PatternTableOptions, PatternTableResult, PatternTableState } from './table-types.js';
import { ttlBucketIndex, typeIndex } from './ttl.js';

/** The table's default delimiters: the ones that cut a key into parts a person names separately. */
export const DEFAULT_TABLE_DELIMITERS = ':/|#';

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
  private readonly groups = new FamilyGroups();
  /** Templates that went to a collapsed template, and which (bounded: a miss only costs time). */
  private readonly redirects = new Map<string, Entry>();
  private readonly isDelimiter: (code: number) => boolean;

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
    this.inferrer = new PatternInferrer({ delimiters: opts.delimiters ?? DEFAULT_TABLE_DELIMITERS });
    this.isDelimiter = (code) => this.inferrer.isDelimiter(code);
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
    // A copy: the walker's names may be views into a whole page's reply, which this would keep alive.
    const rep = entry.rep;
    if (rep === null || sortsBefore(name, rep)) entry.rep = Buffer.from(name);

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
      pushLargest(entry, { key: displayKey(name), bytes, type: key.type, pttlMs: pttl });
    }
  }

  result(): PatternTableResult {
    const patterns = buildResult(this.entries, {
      largest: this.largest,
      isDelimiter: this.isDelimiter,
      isVarying: (groupKey) => this.groups.isVarying(groupKey),
    });
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
          ...(e.rep ? { rep: e.rep.toString('base64') } : {}),
        };
      }),
      inferredCount: this.inferredCount,
      overflowCount: this.overflowCount,
      folded: this.folded.state(),
      varying: this.groups.varying(),
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
        entry = table.insert(bytes, bytes.length, slotHash(bytes, bytes.length), saved.source);
      }
      entry.keys = saved.keys;
      entry.noTtl = saved.noTtl;
      entry.bytes = saved.bytes;
      entry.bytesSquares = saved.bytesSquares;
      entry.folded = saved.folded;
      if (saved.rep !== undefined) entry.rep = Buffer.from(saved.rep, 'base64');
      entry.ttl.set(saved.ttl);
      entry.types.set(saved.types);
      for (const item of saved.largest.slice(0, table.largest)) pushLargest(entry, item);
    }
    table.inferredCount = state.inferredCount;
    table.overflowCount = state.overflowCount;
    table.folded.load(state.folded);
    table.groups.markVarying(state.varying ?? []);
    for (const e of table.entries) {
      if (e.source === 'inferred' && !e.pattern.includes(MARK)) {
        table.groups.register(splitTemplate(e.pattern, table.isDelimiter));
      }
    }
    table.totalKeys = state.totals.keys;
    table.totalNoTtl = state.totals.noTtl;
    table.totalBytes = state.totals.bytes;
    table.keysWithoutBytes = state.totals.keysWithoutBytes;
    return table;
  }

  // -------------------------------------------------------------------------------------------

  private createRuleEntry(r: number): Entry {
    const entry = new Entry(this.rulePatterns[r] as string, 'rule', null, 0, this.largest);
    this.ruleEntries[r] = entry;
    this.entries.push(entry);
    return entry;
  }

  private inferred(name: Uint8Array): Entry {
    let len = this.inferrer.infer(name);
    let out: Uint8Array = this.inferrer.out;
    if (len === 1 && out[0] === 0x2a && isAllDigits(name)) {
      // A name that is one number: `[0-9]*`, not the `*` that would take in every other family.
      out = DIGITS_GLOB;
      len = DIGITS_GLOB.length;
    }
    let h: number;
    let found: Entry | undefined;
    if (LITTLE_ENDIAN && out === this.inferrer.out) {
      // The common case: the pattern is still in the inferrer's buffer, hashed and compared by word.
      const words = this.inferrer.outWords;
      h = slotHashWords(words, out, len);
      found = this.lookupWords(words, out, len, h);
    } else {
      h = slotHash(out, len);
      found = this.lookup(out, len, h);
    }
    if (found !== undefined) return found;
    return this.newTemplate(out, len, h);
  }

  /** `lookup` for a pattern in `buf` whose first len >> 2 words are `words` (little-endian only). */
  private lookupWords(words: Int32Array, buf: Uint8Array, len: number, h: number): Entry | undefined {
    const slots = this.slots;
    const mask = this.mask;
    const whole = len >> 2;
    let i = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const slot = slots[i] as number;
      if (slot === 0) return undefined;
      const e = this.entries[slot - 1] as Entry;
      if (e.hash === h) {
        const pb = e.patternBytes as Uint8Array;
        if (pb.length === len) {
          const pw = e.patternWords as Int32Array;
          let k = 0;
          while (k < whole && pw[k] === words[k]) k++;
          if (k === whole) {
            k <<= 2;
            while (k < len && pb[k] === buf[k]) k++;
            if (k === len) return e;
          }
        }
      }
      i = (i + 1) & mask;
    }
  }

  /** A template with no entry: it joins a collapsed template when one of its positions varies. */
  private newTemplate(out: Uint8Array, len: number, h: number): Entry {
    const pattern = Buffer.from(out.buffer, out.byteOffset, len).toString('utf8');
    const known = this.redirects.get(pattern);
    if (known) return known;
    const template = splitTemplate(pattern, this.isDelimiter);
    const at = this.groups.register(template);
    if (at.length > 0) {
      const bytes = Buffer.from(joinTemplate(collapsed(template, at)), 'utf8');
      const hc = slotHash(bytes, bytes.length);
      let entry = this.lookup(bytes, bytes.length, hc);
      if (entry === undefined) {
        if (this.inferredCount >= this.inferredLimit) return this.fold(out, len);
        this.inferredCount++;
        entry = this.insert(bytes, bytes.length, hc, 'inferred');
      }
      if (this.redirects.size < MAX_REDIRECTS) this.redirects.set(pattern, entry);
      return entry;
    }
    if (this.inferredCount < this.inferredLimit) {
      this.inferredCount++;
      return this.insert(out, len, h, 'inferred');
    }
    return this.fold(out, len);
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
    // Memory of its own (offset 0), so the words view below shares it.
    const bytes = new Uint8Array(new ArrayBuffer((len + 3) & ~3), 0, len);
    for (let k = 0; k < len; k++) bytes[k] = buf[k] as number;
    const pattern = Buffer.from(bytes.buffer, 0, len).toString('utf8');
    const entry = new Entry(pattern, source, bytes, h, this.largest);
    entry.patternWords = new Int32Array(bytes.buffer, 0, len >> 2);
    this.entries.push(entry);
    let i = (h ^ (h >>> 15)) & this.mask;
    while (this.slots[i] !== 0) i = (i + 1) & this.mask;
    this.slots[i] = this.entries.length;
    return entry;
  }

  /** The inferred pattern out[0, len) has no entry and no room: fold it into an ancestor. */
  private fold(out: Uint8Array, len: number): Entry {
    this.folded.add(murmurish(out, len), fnv1a(out, len));
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
      target = this.lookup(anc, end + 1, slotHash(anc, end + 1));
    }
    if (target === undefined && cuts.length > 0 && this.overflowCount < this.overflowLimit) {
      const end = (cuts[0] as number) + 1;
      anc[end] = 0x2a;
      this.overflowCount++;
      target = this.insert(anc, end + 1, slotHash(anc, end + 1), 'overflow');
    }
    if (target === undefined) target = this.starEntry();
    target.folded++;
    return target;
  }

  private starEntry(): Entry {
    if (this.star) return this.star;
    const anc = this.ancestorScratch;
    anc[0] = 0x2a;
    const h = slotHash(anc, 1);
    this.star = this.lookup(anc, 1, h) ?? this.insert(anc, 1, h, 'overflow');
    return this.star;
  }
}

const DIGITS_GLOB = Buffer.from('[0-9]*');
const MAX_REDIRECTS = 50_000;

function isAllDigits(name: Uint8Array): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const b = name[i] as number;
    if (b < 0x30 || b > 0x39) return false;
  }
  return true;
}

/**
 * `Buffer.compare(a, b) < 0`, in JS: most names differ from their entry's smallest one within a few
 * bytes, and a native call per key cost more than the loop.
 */
function sortsBefore(a: Uint8Array, b: Uint8Array): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return a.length < b.length;
}
