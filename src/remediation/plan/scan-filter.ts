/**
 * What the plan's one walk asks SCAN for, and which rules may share it. The walk sends one SCAN
 * MATCH for every rule at once: a glob that selects a superset of every rule's keys (per position,
 * the set of the rules' literal first characters, while every rule has a literal there; then `*`),
 * so the server drops most keys no rule wants and the client tests the rest against each rule's own
 * glob. Rules whose globs can select the same key would make a key's fate depend on the order: the
 * plan refuses them (`overlappingRules`), so the one walk applies exactly what separate runs would.
 */

import { literalPrefix } from '../../keyspace/glob.js';
import { globsOverlap } from '../../keyspace/glob-overlap.js';

/** Characters kept verbatim in a class (anything else ends the shared part of the filter). */
const PLAIN = /^[A-Za-z0-9:_.@#$%&=+,;!~<>'"/|{}()-]$/;

/** A glob matching (at least) every key any of `globs` matches; `*` when nothing can be shared. */
export function unionFilter(globs: readonly string[]): string {
  if (globs.length === 0) return '*';
  const prefixes = globs.map(literalPrefix);
  let out = '';
  for (let i = 0; ; i++) {
    const chars = new Set<string>();
    for (const p of prefixes) {
      const ch = p[i];
      if (ch === undefined || !PLAIN.test(ch)) return `${out}*`;
      chars.add(ch);
    }
    const set = [...chars];
    // `-` first in a class is literal; `]` and `^` never reach here (not PLAIN).
    set.sort((a, b) => (a === '-' ? -1 : b === '-' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    out += set.length === 1 ? (set[0] as string) : `[${set.join('')}]`;
  }
}

/**
 * Pairs of rules that can select the same key, decided exactly (keyspace/glob-overlap.ts):
 * `cache:*` and `cache:*:price` are reported, `cache:*:price` and `cache:*:coupon` are not, and
 * neither are the runbook's four.
 */
export function overlappingRules<T extends { name: string; match: string }>(
  rules: readonly T[],
): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const a = rules[i] as T;
      const b = rules[j] as T;
      if (globsOverlap(a.match, b.match) !== null) out.push([a.name, b.name]);
    }
  }
  return out;
}
