/**
 * The table's result: templates merged into families (families.ts), each family's figures summed,
 * and per pattern the keys of other patterns its glob would also select (`overlapKeys`), so a rule
 * drafted from `bull:emails:*` can say it would also touch `bull:emails:*:logs`.
 *
 * Overlap is counted per entry through its smallest key name (`Entry.rep`): the keys of one
 * template differ only where the template has `*`, so a glob selects all of them or none (a glob
 * that looks inside a typed token is the rare exception).
 */
import { compileGlob } from '../../keyspace/glob.js';
import type { PatternStats } from '../types.js';
import { type Entry, entryStats, mergeStats } from './entry.js';
import { generalize, joinTemplate, splitTemplate, type Template } from './families.js';

export interface ResultOptions {
  largest: number;
  isDelimiter: (code: number) => boolean;
  isVarying: (groupKey: string) => boolean;
}

interface Family {
  pattern: string;
  members: Entry[];
}

export function buildResult(entries: readonly Entry[], opts: ResultOptions): PatternStats[] {
  const families = new Map<string, Family>();
  const rules: Family[] = [];
  // Rule entries are the rules' own globs; overflow entries are the bound's folds: both stay as they are.
  const inferred = entries.filter((e) => e.source === 'inferred');
  for (const e of entries) if (e.source !== 'inferred') rules.push({ pattern: e.pattern, members: [e] });
  const finals = generalize(
    inferred.map((e) => splitTemplate(e.pattern, opts.isDelimiter)),
    opts.isVarying,
  );
  inferred.forEach((e, i) => {
    const pattern = joinTemplate(finals[i] as Template);
    let f = families.get(pattern);
    if (!f) {
      f = { pattern, members: [] };
      families.set(pattern, f);
    }
    f.members.push(e);
  });
  const all = [...rules, ...families.values()];
  const overlap = overlapKeys(all);
  const patterns = all.map((f, i) => {
    const parts = f.members.map((e) => entryStats(e));
    const stats = mergeStats(f.pattern, parts, opts.largest);
    const over = overlap[i] as number;
    if (over > 0) stats.overlapKeys = over;
    return stats;
  });
  patterns.sort((a, b) => b.bytes - a.bytes || b.keys - a.keys || (a.pattern < b.pattern ? -1 : 1));
  return patterns;
}

/** The glob's leading literal text (before the first `*`, `?`, `[` or `\`). */
function literalPrefix(glob: string): string {
  const m = /^[^*?[\\]*/.exec(glob);
  return m ? m[0] : '';
}

/** Per family: keys of the other families' entries that its glob also selects. */
function overlapKeys(families: readonly Family[]): number[] {
  const reps: { rep: string; keys: number; family: number }[] = [];
  families.forEach((f, family) => {
    for (const e of f.members) {
      if (e.rep !== null && e.keys > 0) reps.push({ rep: e.rep.toString('latin1'), keys: e.keys, family });
    }
  });
  reps.sort((a, b) => (a.rep < b.rep ? -1 : a.rep > b.rep ? 1 : 0));
  return families.map((f, family) => {
    const glob = compileGlob(f.pattern);
    // Compare in latin1 (one char per byte) so the order and prefixes are the bytes'.
    const prefix = Buffer.from(literalPrefix(f.pattern), 'utf8').toString('latin1');
    let lo = 0;
    let hi = reps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((reps[mid] as { rep: string }).rep < prefix) lo = mid + 1;
      else hi = mid;
    }
    let total = 0;
    for (let i = lo; i < reps.length; i++) {
      const r = reps[i] as { rep: string; keys: number; family: number };
      if (!r.rep.startsWith(prefix)) break;
      if (r.family !== family && glob(Buffer.from(r.rep, 'latin1'))) total += r.keys;
    }
    return total;
  });
}
