/**
 * Key shapes from real applications that the benchmark keyspace does not hold: IPv6 addresses
 * followed by a word that starts with hex letters, with a zone id or an embedded IPv4, and
 * standard-base64 session ids whose `/` is also a table delimiter. Truth: the keys' construction
 * and the globs applied to the keys (keyspace/glob.ts, Redis' own matcher re-done byte for byte).
 */
import { describe, expect, it } from 'vitest';
import { PatternTable, type PatternTableResult } from '../../src/census/pattern-table.js';
import type { ScannedKey } from '../../src/census/types.js';
import { compileGlob } from '../../src/keyspace/glob.js';
import { rng } from '../support/seeded-random.js';

const key = (name: string, pttlMs = -1): ScannedKey => ({
  name: Buffer.from(name),
  type: 'string',
  pttlMs,
  bytes: 64,
});

function census(names: readonly ScannedKey[]): PatternTableResult {
  const table = new PatternTable();
  for (const k of names) table.add(k);
  return table.result();
}

/** Every pattern selects exactly its own keys plus the overlap it reports. */
function expectExactSelection(names: readonly ScannedKey[], r: PatternTableResult): void {
  for (const p of r.patterns) {
    const glob = compileGlob(p.pattern);
    const selected = names.filter((k) => glob(k.name)).length;
    expect(selected, p.pattern).toBe(p.keys + (p.overlapKeys ?? 0));
  }
}

const hexGroup = (next: () => number) => Math.floor(next() * 65_536).toString(16);

describe('IPv6 addresses as a person writes them', () => {
  it('folds compressed, zoned and IPv4-mapped addresses, also before a word starting with hex letters', () => {
    const next = rng(7);
    const names: ScannedKey[] = [];
    for (let i = 0; i < 400; i++) {
      const forms = [
        '::1',
        `fe80::${hexGroup(next)}%eth0`,
        `2001:db8::${hexGroup(next)}:${hexGroup(next)}`,
        `::ffff:10.0.${i % 256}.${Math.floor(next() * 256)}`,
        Array.from({ length: 8 }, () => hexGroup(next)).join(':'),
      ];
      const addr = forms[i % forms.length] as string;
      names.push(key(`ratelimit:${addr}`, 60_000));
      names.push(key(`ratelimit:${addr}:count`, 60_000));
      names.push(key(`ratelimit:${addr}:banned`));
    }
    // `::1` repeats: a keyspace holds each name once
    const unique = [...new Map(names.map((k) => [k.name.toString(), k])).values()];
    const distinct = unique.length / 3;
    const r = census(unique);
    const by = new Map(r.patterns.map((p) => [p.pattern, p.keys]));
    expect(by.get('ratelimit:*:count')).toBe(distinct);
    expect(by.get('ratelimit:*:banned')).toBe(distinct);
    expect(by.get('ratelimit:*')).toBe(distinct);
    expect(r.patterns).toHaveLength(3);
    expectExactSelection(unique, r);
  });
});

describe('standard base64 ids, whose `/` is also a delimiter', () => {
  it('makes one family of `session:<base64>` and keeps Rails paths cut at `/`', () => {
    const next = rng(11);
    const b64 = (n: number) =>
      Buffer.from(Array.from({ length: n }, () => Math.floor(next() * 256))).toString('base64');
    const names: ScannedKey[] = [];
    for (let i = 0; i < 600; i++) names.push(key(`session:${b64(18 + (i % 10))}`, 1_800_000));
    for (let i = 0; i < 60; i++) names.push(key(`views/products/${1000 + i}/show`));
    for (let i = 0; i < 60; i++) names.push(key(`views/orders/${1000 + i}/list`));
    const r = census(names);
    const by = new Map(r.patterns.map((p) => [p.pattern, p.keys]));
    // A rare id that reads like letters only (no `/`, `+`, padding, few digits) may stay literal;
    // none is cut into `/` or `=` fragments.
    expect(by.get('session:*')).toBeGreaterThanOrEqual(594);
    const fragments = r.patterns.filter((p) => p.pattern.startsWith('session:') && p.pattern !== 'session:*');
    for (const p of fragments) expect(p.pattern, 'a literal id').not.toMatch(/[*/=]/);
    expect(by.get('views/products/*/show')).toBe(60);
    expect(by.get('views/orders/*/list')).toBe(60);
    expectExactSelection(names, r);
  });
});

describe('two positions that both vary', () => {
  it('gives one family in any order: tenants × feature names, walked name by name or tenant by tenant', () => {
    const next = rng(5);
    const word = (n: number) =>
      Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join('');
    const tenants = Array.from({ length: 2500 }, () => word(10));
    const flags = Array.from({ length: 25 }, () => `${word(6)}_mode`);
    const byTenant = tenants.flatMap((t) => flags.map((f) => key(`${t}:feature:${f}`)));
    const byFlag = flags.flatMap((f) => tenants.map((t) => key(`${t}:feature:${f}`)));
    for (const names of [byTenant, byFlag]) {
      // a small bound, as a million keys meet the default one
      const table = new PatternTable({ maxPatterns: 2000 });
      for (const k of names) table.add(k);
      const r = table.result();
      expect(r.patterns.map((p) => `${p.pattern} ${p.keys}`)).toEqual([`*:feature:* ${names.length}`]);
    }
  });
});
