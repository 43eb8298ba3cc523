/**
 * Scores a census's patterns against the dataset's ground truth (each key's family), the way log
 * parsers are scored on Loghub: a family is recovered exactly when one pattern holds all its keys
 * and no key of another family; grouping accuracy is the share of keys in recovered families.
 *
 * Which pattern a key was counted under is the census's business; from the outside a pattern is its
 * glob, its key count and its reported overlap. Family F is recovered by pattern P when P's glob
 * selects every key of F, P holds exactly |F| keys, and the other keys P's glob selects are exactly
 * the overlap P reports (so they were counted elsewhere).
 */
import { compileGlob } from '../../keyspace/glob.js';

export interface ScoredPattern {
  pattern: string;
  keys: number;
  overlapKeys?: number;
}

export interface GroupingScore {
  families: number;
  /** Families with at least `minKeys` keys, and how many of them were recovered exactly. */
  bigFamilies: number;
  bigRecovered: number;
  /** Keys of exactly recovered families / all keys (Loghub's grouping accuracy). */
  groupingAccuracy: number;
  /** Share of keys in patterns that hold a single key. */
  singleKeyShare: number;
  /**
   * Largest share of keys held by a catch-all pattern: one of only `*` and `?` (`*`, `*?`). A
   * character class constrains like a literal: `[0-9]*` holds the numeric-only keys, nothing else.
   */
  maxNoLiteralShare: number;
  /** Big families not recovered, with the patterns their keys went to (for a report). */
  missed: string[];
}

/** True when the glob constrains the key: a literal character or a class, not only `*` and `?`. */
export function hasLiteral(glob: string): boolean {
  return /[^*?]/.test(glob);
}

export function scoreGrouping(
  keys: Iterable<{ key: string; family: string }>,
  patterns: readonly ScoredPattern[],
  minKeys = 20,
): GroupingScore {
  const globs = patterns.map((p) => compileGlob(p.pattern));
  /** Per pattern: family → keys its glob selects. */
  const selected = patterns.map(() => new Map<string, number>());
  const familySize = new Map<string, number>();
  const examples = new Map<string, Buffer>();
  let total = 0;
  for (const { key, family } of keys) {
    total++;
    familySize.set(family, (familySize.get(family) ?? 0) + 1);
    const name = Buffer.from(key);
    if (!examples.has(family)) examples.set(family, name);
    for (let p = 0; p < globs.length; p++) {
      if ((globs[p] as (n: Buffer) => boolean)(name)) {
        const m = selected[p] as Map<string, number>;
        m.set(family, (m.get(family) ?? 0) + 1);
      }
    }
  }
  const recovered = new Set<string>();
  patterns.forEach((p, i) => {
    const m = selected[i] as Map<string, number>;
    let all = 0;
    for (const n of m.values()) all += n;
    for (const [family, n] of m) {
      const size = familySize.get(family) ?? 0;
      if (n === size && p.keys === size && all - size === (p.overlapKeys ?? 0)) recovered.add(family);
    }
  });
  let big = 0;
  let bigRecovered = 0;
  let recoveredKeys = 0;
  const missed: string[] = [];
  for (const [family, size] of familySize) {
    if (recovered.has(family)) recoveredKeys += size;
    if (size < minKeys) continue;
    big++;
    if (recovered.has(family)) bigRecovered++;
    else {
      const example = examples.get(family) as Buffer;
      const holders = patterns.filter((_, i) => (globs[i] as (n: Buffer) => boolean)(example));
      missed.push(`${family} (${size} keys): ${holders.map((h) => `${h.pattern} [${h.keys}]`).join(', ')}`);
    }
  }
  const single = patterns.filter((p) => p.keys === 1).length;
  const noLiteral = patterns.filter((p) => !hasLiteral(p.pattern)).reduce((m, p) => Math.max(m, p.keys), 0);
  return {
    families: familySize.size,
    bigFamilies: big,
    bigRecovered,
    groupingAccuracy: total > 0 ? recoveredKeys / total : 1,
    singleKeyShare: total > 0 ? single / total : 0,
    maxNoLiteralShare: total > 0 ? noLiteral / total : 0,
    missed,
  };
}
