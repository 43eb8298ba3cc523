/**
 * Turns the pattern catalogue into exact counts (`describeDataset`) and into the keys themselves
 * (`generateDataset`), lazily and reproducibly from a seed.
 */
import { MIXED_FAMILIES } from './mixed-families.js';
import { type Ids, PATTERNS, type PatternDef, type TtlRule } from './patterns.js';
import { fmix32, Rng, scramble } from './random.js';
import {
  type DatasetOptions,
  type DatasetPatternSpec,
  type DatasetRecord,
  type DatasetSpec,
  DEFAULT_DATASET_SEED,
} from './types.js';

function prefixOf(pattern: string): string {
  return pattern.endsWith('*') ? pattern.slice(0, -1) : pattern;
}

/** Keys of a mixed pattern with a TTL: exactly floor(count * perMille / 1000), spread evenly. */
function mixedHasTtl(i: number, perMille: number): boolean {
  return Math.floor(((i + 1) * perMille) / 1000) > Math.floor((i * perMille) / 1000);
}

function ttlCount(rule: TtlRule, keys: number): number {
  if (rule.kind === 'none') return 0;
  if (rule.kind === 'range') return keys;
  return Math.floor((keys * rule.perMille) / 1000);
}

/** The pattern catalogue of a dataset shape. */
function catalogue(opts: DatasetOptions): readonly PatternDef[] {
  return opts.shape === 'mixed' ? MIXED_FAMILIES : PATTERNS;
}

/** The fewest keys a dataset of these patterns can have: one per pattern plus the fixed-size ones. */
function minimumOf(defs: readonly PatternDef[]): number {
  const fixedKeys = defs.reduce((n, p) => n + (p.fixed ?? 0), 0);
  return Math.max(defs.length, fixedKeys + defs.filter((p) => p.fixed === undefined).length);
}

/** The fewest keys `describeDataset` / `loadDataset` accept for a shape (fewer is an error). */
export function minimumDatasetKeys(shape: DatasetOptions['shape'] = 'runbook'): number {
  return minimumOf(catalogue({ keys: 0, shape }));
}

/**
 * Largest-remainder split of `total` by share, at least one key per pattern. Fixed-size patterns
 * (the mixed shape's) take their count first; the shares of the others then split the rest.
 */
function allocate(total: number, defs: readonly PatternDef[] = PATTERNS): number[] {
  const fixedKeys = defs.reduce((n, p) => n + (p.fixed ?? 0), 0);
  const minimum = minimumOf(defs);
  if (!Number.isInteger(total) || total < minimum) {
    throw new Error(`keys must be an integer >= ${minimum}, got ${total}`);
  }
  const shareSum = fixedKeys > 0 ? defs.reduce((n, p) => n + (p.fixed === undefined ? p.share : 0), 0) : 1;
  const free = total - fixedKeys;
  const exact = defs.map((p) => p.fixed ?? (p.share * free) / shareSum);
  const counts = exact.map((x) => Math.max(1, Math.floor(x)));
  let diff = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, rem: x - Math.floor(x) }))
    .sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0; diff > 0; k = (k + 1) % byRemainder.length, diff--) {
    const idx = byRemainder[k]?.i as number;
    counts[idx] = (counts[idx] as number) + 1;
  }
  // The minimum of one key can overshoot on tiny datasets: take it back from the largest patterns.
  while (diff < 0) {
    const largest = counts.indexOf(Math.max(...counts.filter((_, i) => defs[i]?.fixed === undefined)));
    counts[largest] = (counts[largest] as number) - 1;
    diff++;
  }
  return counts;
}

function normalizeSeed(seed: number | undefined): number {
  const s = seed ?? DEFAULT_DATASET_SEED;
  if (!Number.isInteger(s)) throw new Error(`seed must be an integer, got ${s}`);
  return s >>> 0;
}

/** The exact counts a `loadDataset` with these options writes, without generating anything. */
export function describeDataset(opts: DatasetOptions): DatasetSpec {
  // Counts do not depend on the seed, but a bad one should fail here as it would in the loader.
  normalizeSeed(opts.seed);
  const defs = catalogue(opts);
  const counts = allocate(opts.keys, defs);
  const patterns: Record<string, DatasetPatternSpec> = {};
  let keysWithTtl = 0;
  defs.forEach((def, idx) => {
    const keys = counts[idx] as number;
    const withTtl = ttlCount(def.ttl, keys);
    keysWithTtl += withTtl;
    patterns[def.pattern] = {
      pattern: def.pattern,
      prefix: prefixOf(def.pattern),
      type: def.type,
      keys,
      keysWithTtl: withTtl,
      keysWithoutTtl: keys - withTtl,
      ttl: def.ttl.kind === 'none' ? null : { minMs: def.ttl.minMs, maxMs: def.ttl.maxMs },
      share: def.share,
      burst: def.burst === true,
      description: def.description,
    };
  });
  return {
    seed: opts.seed ?? DEFAULT_DATASET_SEED,
    totalKeys: opts.keys,
    keysWithTtl,
    keysWithoutTtl: opts.keys - keysWithTtl,
    patterns,
  };
}

/**
 * Yields every key of the dataset, one pattern after the other, generated lazily (constant memory).
 * TTLs are relative to the moment the key is written.
 */
export function* generateDataset(opts: DatasetOptions): Generator<DatasetRecord> {
  const seed = normalizeSeed(opts.seed);
  const defs = catalogue(opts);
  const counts = allocate(opts.keys, defs);
  const userSalt = fmix32(seed ^ 0x75736572);
  const user = (i: number) => String(1_000_000_000 + scramble(i, userSalt));
  for (const [idx, def] of defs.entries()) {
    const salt = fmix32(seed + Math.imul(idx + 1, 0x9e3779b9));
    const ids: Ids = { user, salt };
    const rng = new Rng(fmix32(salt ^ 0x2545f491));
    const count = counts[idx] as number;
    const rule = def.ttl;
    for (let i = 0; i < count; i++) {
      const key = def.key(i, ids, rng);
      let ttlMs: number | null = null;
      if (rule.kind === 'range' || (rule.kind === 'mixed' && mixedHasTtl(i, rule.perMille))) {
        ttlMs = rng.int(rule.minMs, rule.maxMs);
      }
      const value = def.value(rng);
      const pattern = def.pattern;
      switch (def.type) {
        case 'string':
          yield { key, pattern, ttlMs, type: 'string', value: value as string };
          break;
        case 'hash':
          yield { key, pattern, ttlMs, type: 'hash', fields: value as Record<string, string> };
          break;
        case 'set':
          yield { key, pattern, ttlMs, type: 'set', members: value as string[] };
          break;
      }
    }
  }
}
