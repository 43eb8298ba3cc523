/**
 * One pattern's counters in the pattern table (keys, keys without TTL, bytes, TTL buckets, types,
 * the largest keys in a bounded min-heap), their plain form, and the merge of several entries that
 * turned out to be one family.
 */
import type { KeyType, LargestKey, PatternStats, TtlBucket } from '../types.js';
import { TTL_BUCKETS } from '../types.js';
import { KEY_TYPES } from './ttl.js';

export type Source = PatternStats['source'];

export class Entry {
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
  /** The smallest key name counted here (bytewise): stands for the entry when globs are tried on it. */
  rep: Buffer | null = null;
  /** The first `patternBytes.length >> 2` words of `patternBytes` (same memory), for word compares. */
  patternWords: Int32Array | null = null;

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

export function pushLargest(e: Entry, item: LargestKey): void {
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

export function entryStats(e: Entry): PatternStats {
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

/** Several entries' figures as one pattern's (a family found across their templates). */
export function mergeStats(pattern: string, parts: readonly PatternStats[], largest: number): PatternStats {
  const first = parts[0] as PatternStats;
  if (parts.length === 1) return { ...first, pattern };
  const ttlBuckets = { ...first.ttlBuckets };
  const types: Partial<Record<KeyType, number>> = { ...first.types };
  let all: LargestKey[] = [...first.largest];
  const merged: PatternStats = { ...first, pattern, ttlBuckets, types };
  let folded = first.folded ?? 0;
  for (const p of parts.slice(1)) {
    merged.keys += p.keys;
    merged.keysWithoutTtl += p.keysWithoutTtl;
    merged.bytes += p.bytes;
    merged.bytesSquares = (merged.bytesSquares ?? 0) + (p.bytesSquares ?? 0);
    folded += p.folded ?? 0;
    for (const b of TTL_BUCKETS) ttlBuckets[b as TtlBucket] += p.ttlBuckets[b];
    for (const [t, n] of Object.entries(p.types) as [KeyType, number][]) types[t] = (types[t] ?? 0) + n;
    all = all.concat(p.largest);
    // an inferred family that took in an overflow fold is still one the table named
    if (p.source === 'inferred') merged.source = 'inferred';
  }
  merged.largest = all.sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1)).slice(0, largest);
  if (folded > 0) merged.folded = folded;
  return merged;
}
